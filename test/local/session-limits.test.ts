/**
 * What one realtime client may cost: a session whose socket backs up past
 * `maxSessionBufferBytes` stops being computed for and is closed (the SDK reconnects and
 * resubscribes), and the admission caps refuse with Instant's `error` frame.
 */
import { randomUUID } from 'node:crypto'
import { id } from '@instantdb/core'
import { describe, expect, it } from 'vitest'
import { createTestHub } from './hub-helpers.js'
import { localInstants } from './helpers.js'
import { nextResult, rawSession, sdkClient, waitFor } from './session-helpers.js'

const instants = localInstants()

/** `count` rows of ~200 bytes each in `ns`, through the admin API. */
async function seed(db: any, ns: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    const steps = []
    for (let n = start; n < Math.min(start + 500, count); n++) {
      steps.push(db.tx[ns][id()].update({ title: `row ${n} `.padEnd(200, '.'), n }))
    }
    await db.transact(steps)
  }
}

describe('backpressure', () => {
  it('a session over its buffer cap is closed with 1013 and computed for no more (hub)', () => {
    const { appId, engine, hub } = createTestHub({ limits: { maxSessionBufferBytes: 20_000 } })
    try {
      const sent: any[] = []
      const closed: { code: number; reason: string }[] = []
      let buffered = 0
      const handlers = hub.connect(
        {
          send: (text) => {
            sent.push(JSON.parse(text))
            buffered += text.length // a client that never reads
          },
          close: (code, reason) => closed.push({ code, reason }),
          bufferedAmount: () => buffered,
        },
        '127.0.0.1',
      )
      const send = (msg: Record<string, unknown>) =>
        handlers.message(JSON.stringify({ 'client-event-id': randomUUID(), ...msg }))
      engine.transact(
        { steps: [['update', 'big', randomUUID(), { title: 'x'.repeat(30_000) }]] },
        { kind: 'admin' },
      )
      send({ op: 'init', 'app-id': appId })
      expect(hub.stats()).toEqual({ sessions: 1, liveQueries: 0, recomputations: 0 })
      send({ op: 'add-query', q: { big: {} } })
      // The answer went out, took the backlog over the cap, and ended the session.
      expect(sent.map((m) => m.op)).toEqual(['init-ok', 'add-query-ok'])
      expect(closed).toEqual([
        { code: 1013, reason: 'backpressure: the client is not reading its socket' },
      ])
      expect(hub.stats()).toEqual({ sessions: 0, liveQueries: 0, recomputations: 0 })
      send({ op: 'add-query', q: { other: {} } })
      expect(sent).toHaveLength(2)
    } finally {
      hub.close()
    }
  })

  it('a client that never reads costs no more than its cap: the server cuts it', async () => {
    const { local, db } = await instants.start({ maxSessionBufferBytes: 64 * 1024 })
    await seed(db, 'items', 2_000)
    const raw = await rawSession(local)
    raw.send({ op: 'init', 'app-id': local.appId })
    await raw.next((m) => m.op === 'init-ok')
    raw.pause()
    // Each answer is ~0.5 MB: far past the kernel's buffers and the cap.
    for (let n = 0; n < 200; n++) {
      raw.send({ op: 'add-query', q: { items: {} } })
      raw.send({ op: 'remove-query', q: { items: {} } })
    }
    await waitFor(() => (local.stats().sessions === 0 ? true : undefined))
    expect(local.stats().liveQueries).toBe(0)
    raw.destroy()
    await raw.gone
  })

  it('the real SDK, closed for backpressure, reconnects and resubscribes', async () => {
    const { local, db } = await instants.start({ maxSessionBufferBytes: 64 * 1024 })
    await seed(db, 'items', 1_000)
    const c = sdkClient(local)
    try {
      let latest: any[] = []
      const unsubscribe = c.subscribeQuery({ items: {} }, (r: any) => {
        if (r.data) latest = r.data.items
      })
      await waitFor(() => (latest.length === 1_000 ? true : undefined))
      const first = local.stats()
      expect(first).toMatchObject({ sessions: 1, liveQueries: 1 })
      // The tab stops reading (frozen, or a slow link); writes keep coming.
      const socket = c._reactor._transport.conn._socket
      socket.pause()
      for (let n = 0; n < 60; n++) {
        await db.transact(
          (db as any).tx.items[id()].update({ title: `more ${n}`.padEnd(200, '.'), n }),
        )
        if (local.stats().sessions === 0) break
      }
      expect(local.stats().sessions).toBe(0)
      socket.resume()
      // The SDK sees the close, reconnects, and subscribes again: the next write reaches it.
      await waitFor(() => (local.stats().liveQueries === 1 ? true : undefined))
      const seen = nextResult(
        (cb) => c.subscribeQuery({ items: {} }, cb),
        (r: any) => r.data?.items.some((t: any) => t.title === 'after'),
      )
      await db.transact((db as any).tx.items[id()].update({ title: 'after', n: -1 }))
      await seen
      unsubscribe()
    } finally {
      c.shutdown()
    }
  })
})

describe('admission caps answer with an error frame', () => {
  it('sessions per client IP', async () => {
    const { local } = await instants.start({ maxSessionsPerIp: 2 })
    const a = await rawSession(local)
    const b = await rawSession(local)
    const c = await rawSession(local)
    expect(await c.next((m) => m.op === 'error')).toEqual({
      op: 'error',
      status: 429,
      type: 'rate-limited',
      message: 'Too many realtime sessions from this address (at most 2).',
      hint: { 'max-sessions-per-ip': 2 },
    })
    await waitFor(() => (c.closeFrames.length === 1 ? true : undefined))
    expect(c.closeFrames).toEqual([{ code: 1008, reason: 'too many sessions from this address' }])
    // A session closing frees its place.
    a.destroy()
    await waitFor(() => (local.stats().sessions === 1 ? true : undefined))
    const d = await rawSession(local)
    d.send({ op: 'init', 'app-id': local.appId })
    expect((await d.next(() => true)).op).toBe('init-ok')
    for (const s of [b, c, d]) s.destroy()
  })

  it('sessions per user, at init', async () => {
    const { local, db } = await instants.start({ maxSessionsPerUser: 1 })
    const token = await db.auth.createToken('many@example.com')
    const first = await rawSession(local)
    first.send({ op: 'init', 'app-id': local.appId, 'refresh-token': token })
    expect((await first.next(() => true)).op).toBe('init-ok')
    const second = await rawSession(local)
    second.send({ op: 'init', 'app-id': local.appId, 'refresh-token': token })
    const err = await second.next(() => true)
    expect(err).toMatchObject({
      op: 'error',
      status: 429,
      type: 'rate-limited',
      message: 'Too many realtime sessions for this user (at most 1).',
      hint: { 'max-sessions-per-user': 1 },
      'original-event': { op: 'init' },
    })
    expect(JSON.stringify(err)).not.toContain(token)
    // A guest session from the same client is not a session of that user.
    second.send({ op: 'init', 'app-id': local.appId })
    expect((await second.next((m) => m.op === 'init-ok')).op).toBe('init-ok')
    first.destroy()
    second.destroy()
  })

  it('live queries per session, and live-result bytes per session', async () => {
    const { local, db } = await instants.start({ maxLiveQueries: 2, maxLiveResultBytes: 20_000 })
    await seed(db, 'items', 200)
    const raw = await rawSession(local)
    raw.send({ op: 'init', 'app-id': local.appId })
    await raw.next((m) => m.op === 'init-ok')
    raw.send({ op: 'add-query', q: { a: {} } })
    raw.send({ op: 'add-query', q: { b: {} } })
    raw.send({ op: 'add-query', q: { c: {} } })
    const tooMany = await raw.next((m) => m.op === 'error')
    expect(tooMany).toMatchObject({
      status: 400,
      type: 'validation-failed',
      message: 'Too many live queries (at most 2 per session).',
      hint: { 'max-queries': 2 },
      'original-event': { op: 'add-query', q: { c: {} } },
    })
    raw.send({ op: 'remove-query', q: { b: {} } })
    raw.send({ op: 'add-query', q: { items: {} } })
    const tooBig = await raw.next((m) => m.op === 'error' && m['original-event'].q.items)
    expect(tooBig).toMatchObject({
      status: 400,
      type: 'validation-failed',
      message:
        'The live results of this session would exceed 20000 bytes; remove a query or narrow it.',
      hint: { 'max-live-result-bytes': 20_000 },
    })
    expect(local.stats().liveQueries).toBe(1)
    raw.destroy()
  })
})
