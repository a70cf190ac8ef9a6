/**
 * The session hub on a real database, engine and auth service, with a recording socket: what
 * the SDK tests cannot see from outside — which queries a commit recomputes, the order of
 * `transact-ok` and `refresh-ok`, and what an error carries.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestHub } from './hub-helpers.js'
import type { DataEngine } from '../../src/local/data/index.js'
import { createSessionHub, type SessionHub } from '../../src/local/session/hub.js'

const APP_ID = randomUUID()
const ADMIN_TOKEN = randomUUID()
const hubs: SessionHub[] = []
afterEach(() => {
  for (const h of hubs.splice(0)) h.close()
})

function setup() {
  const { db, engine, auth, hub } = createTestHub({ appId: APP_ID, adminToken: ADMIN_TOKEN })
  hubs.push(hub)
  // Count the engine queries each session run makes.
  let queries = 0
  const counted: DataEngine = {
    ...engine,
    query: (body, caller, querySize) => {
      queries++
      return engine.query(body, caller, querySize)
    },
  }
  return { db, engine, counted, auth, hub, queries: () => queries }
}

/** A socket that records what the hub sends, parsed. */
function connect(hub: SessionHub) {
  const sent: any[] = []
  const closed: { code: number; reason: string }[] = []
  const handlers = hub.connect({
    send: (text) => sent.push(JSON.parse(text)),
    close: (code, reason) => closed.push({ code, reason }),
  })
  const send = (msg: Record<string, unknown>) =>
    handlers.message(JSON.stringify({ 'client-event-id': randomUUID(), ...msg }))
  return { sent, closed, send, handlers }
}

/** Lets the hub's post-commit fan-out (a microtask) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('session hub', () => {
  it('recomputes only the queries whose namespaces a commit touched', async () => {
    const s = setup()
    s.engine.transact(
      { steps: [['update', 'todos', randomUUID(), { title: 'a' }]] },
      { kind: 'admin' },
    )
    s.engine.transact(
      { steps: [['update', 'notes', randomUUID(), { text: 'n' }]] },
      { kind: 'admin' },
    )
    // The hub under test reads through the counting engine.
    const hub = createSessionHub({
      appId: APP_ID,
      adminToken: ADMIN_TOKEN,
      engine: s.counted,
      auth: s.auth,
      logger: { info: () => {}, error: () => {} },
    })
    hubs.push(hub)
    const c = connect(hub)
    c.send({ op: 'init', 'app-id': APP_ID })
    c.send({ op: 'add-query', q: { todos: {} } })
    c.send({ op: 'add-query', q: { notes: {} } })
    expect(c.sent.map((m) => m.op)).toEqual(['init-ok', 'add-query-ok', 'add-query-ok'])
    const before = s.queries()

    s.engine.transact(
      { steps: [['update', 'notes', randomUUID(), { text: 'm' }]] },
      { kind: 'admin' },
    )
    await settle()
    expect(s.queries() - before).toBe(1)
    const refresh = c.sent.at(-1)
    expect(refresh.op).toBe('refresh-ok')
    expect(refresh.computations.map((x: any) => x['instaql-query'])).toEqual([{ notes: {} }])
  })

  it('sends transact-ok before the refresh-ok with that tx, and the writer gets every query', async () => {
    const s = setup()
    const c = connect(s.hub)
    c.send({ op: 'init', 'app-id': APP_ID })
    const attrs = c.sent[0].attrs as any[]
    c.send({ op: 'add-query', q: { todos: {} } })
    c.send({ op: 'add-query', q: { other: {} } })
    const todoId = randomUUID()
    c.send({
      op: 'transact',
      'tx-steps': [
        [
          'add-attr',
          {
            id: 'a-id',
            'forward-identity': [randomUUID(), 'todos', 'id'],
            'value-type': 'blob',
            cardinality: 'one',
            'unique?': true,
            'index?': true,
          },
        ],
        [
          'add-attr',
          {
            id: 'a-title',
            'forward-identity': [randomUUID(), 'todos', 'title'],
            'value-type': 'blob',
            cardinality: 'one',
            'unique?': false,
            'index?': false,
          },
        ],
        ['add-triple', todoId, 'a-id', todoId],
        ['add-triple', todoId, 'a-title', 'hello'],
      ],
    })
    await settle()
    const ops = c.sent.map((m) => m.op)
    expect(ops).toEqual(['init-ok', 'add-query-ok', 'add-query-ok', 'transact-ok', 'refresh-ok'])
    const txId = c.sent[3]['tx-id']
    const refresh = c.sent[4]
    expect(refresh['processed-tx-id']).toBe(txId)
    // Both queries: `other` is unchanged but confirms the tx for the SDK's pending write.
    expect(refresh.computations).toHaveLength(2)
    // New attrs go out with the refresh; the client's title attr id is kept.
    expect(refresh.attrs.length).toBeGreaterThan(attrs.length)
    const title = refresh.attrs.find((a: any) => a['forward-identity'][2] === 'title')
    expect(title.id).toBe('a-title')
    const triples =
      refresh.computations[0]['instaql-result'][0].data['datalog-result']['join-rows'][0]
    expect(triples).toContainEqual([todoId, 'a-title', 'hello', expect.any(Number)])
  })

  it('refuses an unknown refresh token with record-not-found app-user, echoing no token', () => {
    const s = setup()
    const c = connect(s.hub)
    const token = randomUUID()
    c.send({ op: 'init', 'app-id': APP_ID, 'refresh-token': token })
    expect(c.sent).toHaveLength(1)
    const [err] = c.sent
    expect(err).toMatchObject({
      op: 'error',
      status: 400,
      type: 'record-not-found',
      hint: { 'record-type': 'app-user' },
      'original-event': { op: 'init' },
    })
    expect(JSON.stringify(err)).not.toContain(token)
    // Nothing but init works before a successful init.
    c.send({ op: 'add-query', q: { todos: {} } })
    expect(c.sent[1]).toMatchObject({
      op: 'error',
      'original-event': { op: 'add-query', q: { todos: {} } },
    })
  })

  it('runs as the token’s user, as admin with the admin token, and ends sessions of a revoked token', async () => {
    const s = setup()
    const { user } = s.auth.createToken({ email: 'u@example.com' })
    const asUser = connect(s.hub)
    asUser.send({ op: 'init', 'app-id': APP_ID, 'refresh-token': user.refresh_token })
    expect(asUser.sent[0].op).toBe('init-ok')
    const asAdmin = connect(s.hub)
    asAdmin.send({ op: 'init', 'app-id': APP_ID, '__admin-token': ADMIN_TOKEN })
    expect(asAdmin.sent[0].op).toBe('init-ok')
    const wrongAdmin = connect(s.hub)
    wrongAdmin.send({ op: 'init', 'app-id': APP_ID, '__admin-token': randomUUID() })
    expect(wrongAdmin.sent[0].op).toBe('init-ok') // a guest, as Instant treats a bad one
    expect(s.hub.size()).toBe(3)
    s.hub.revokeToken(user.refresh_token)
    expect(asUser.closed).toEqual([{ code: 1001, reason: 'session ended' }])
    expect(s.hub.size()).toBe(2)
  })

  it('answers a malformed frame and an unknown op with an error, not a crash', () => {
    const s = setup()
    const c = connect(s.hub)
    c.handlers.message('not json')
    c.send({ op: 'init', 'app-id': APP_ID })
    c.send({ op: 'no-such-op' })
    expect(c.sent.map((m) => [m.op, m.type])).toEqual([
      ['error', 'param-malformed'],
      ['init-ok', undefined],
      ['error', 'validation-failed'],
    ])
  })
})
