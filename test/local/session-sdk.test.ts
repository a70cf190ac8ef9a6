/**
 * Local Instant's realtime session (`/runtime/session`) driven by the real browser SDK,
 * `@instantdb/core` 1.0.67, in Node with `ws` as its WebSocket: no hand-written protocol client.
 */
import { i, id } from '@instantdb/core'
import express from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { init as kitAdmin } from '../../src/admin/index.js'
import { signInRouter } from '../../src/index.js'
import { localInstants } from './helpers.js'
import { nextResult, OWNER_ONLY, sdkClient, signInAndWait, waitFor } from './session-helpers.js'

const schema = i.schema({
  entities: {
    $users: i.entity({ email: i.string().unique().indexed() }),
    todos: i.entity({ title: i.string(), ownerId: i.string(), rank: i.number().indexed() }),
    projects: i.entity({ name: i.string(), ownerId: i.string() }),
  },
  links: {
    projectTodos: {
      forward: { on: 'projects', has: 'many', label: 'todos' },
      reverse: { on: 'todos', has: 'one', label: 'project' },
    },
  },
  rooms: {},
})

const rules = { todos: { allow: OWNER_ONLY }, projects: { allow: OWNER_ONLY } }

const instants = localInstants()

async function start() {
  const started = await instants.start({ schema, rules })
  const local = started.local
  /** Untyped, like the SDK clients: the tests use namespaces outside the schema. */
  const admin: any = started.db
  const clients: ReturnType<typeof sdkClient>[] = []
  const client = () => {
    const c = sdkClient(local)
    clients.push(c)
    return c
  }
  /** A signed-in SDK client for `email` (token minted by the admin API, as the kit's /sign-in does). */
  const signedIn = async (email: string) => {
    const token = await admin.auth.createToken({ email })
    const c = client()
    const user = await signInAndWait(c, token)
    return { c, user, token }
  }
  return { local, admin, client, signedIn, clients }
}

type Started = Awaited<ReturnType<typeof start>>
function closeAll(s: Started) {
  for (const c of s.clients) c.shutdown()
}

describe('sign-in and queries through the SDK', () => {
  it('signs in by magic code and reads only what the view rule allows', async () => {
    const s = await start()
    const alice = s.client()
    await alice.auth.sendMagicCode({ email: 'alice@example.com' })
    const code = s.local.mailbox.lastCodeFor('alice@example.com') as string
    const { user } = await alice.auth.signInWithMagicCode({ email: 'alice@example.com', code })
    const bobId = id()
    await s.admin.transact([
      s.admin.tx.todos[id()].update({ title: 'alice 1', ownerId: user.id, rank: 1 }),
      s.admin.tx.todos[id()].update({ title: 'bob 1', ownerId: bobId, rank: 2 }),
    ])
    const { data } = await alice.queryOnce({ todos: {} })
    expect(data.todos.map((t: any) => t.title)).toEqual(['alice 1'])
    // A guest (no token) sees nothing of either.
    const guest = s.client()
    expect((await guest.queryOnce({ todos: {} })).data.todos).toEqual([])
    closeAll(s)
  })

  it('signs in with the token the kit’s /sign-in issues, then writes as that user', async () => {
    const s = await start()
    const db = kitAdmin({
      appId: s.local.appId,
      adminToken: s.local.adminToken,
      apiURI: s.local.apiURI,
    })
    const app = express()
    app.use(express.json())
    // The app's own check (a password, another IdP): here any email is accepted.
    app.use(signInRouter({ db, authenticate: (req) => ({ email: String(req.body.email) }) }))
    const res = await request(app).post('/sign-in').send({ email: 'kit@example.com' })
    expect(res.status).toBe(200)
    const c = s.client()
    const user = await signInAndWait(c, res.body.token)
    expect(user.email).toBe('kit@example.com')
    await c.transact(c.tx.todos[id()].update({ title: 'via kit', ownerId: user.id, rank: 1 }))
    const seen = await s.admin.query({ todos: {} })
    expect(seen.todos.map((t: any) => t.title)).toEqual(['via kit'])
    await db.close()
    closeAll(s)
  })

  it('a client with the schema gets has-one links as objects (cardinality inference)', async () => {
    const s = await start()
    const token = await s.admin.auth.createToken({ email: 'typed@example.com' })
    const c = sdkClient(s.local, schema)
    s.clients.push(c)
    const user = await signInAndWait(c, token)
    const p = id()
    const t = id()
    await c.transact([
      c.tx.projects[p].update({ name: 'typed', ownerId: user.id }),
      c.tx.todos[t].update({ title: 'x', ownerId: user.id, rank: 1 }).link({ project: p }),
    ])
    const { data } = await c.queryOnce({ todos: { project: {} } })
    expect(data.todos).toEqual([
      {
        id: t,
        title: 'x',
        ownerId: user.id,
        rank: 1,
        project: { id: p, name: 'typed', ownerId: user.id },
      },
    ])
    closeAll(s)
  })

  it('answers where (also through a link), nested links, order, limit and offset', async () => {
    const s = await start()
    const { c, user } = await s.signedIn('ann@example.com')
    const p1 = id()
    const p2 = id()
    const ids = [id(), id(), id(), id()]
    await s.admin.transact([
      s.admin.tx.projects[p1].update({ name: 'home', ownerId: user.id }),
      s.admin.tx.projects[p2].update({ name: 'work', ownerId: user.id }),
      ...ids.map((t, n) =>
        s.admin.tx.todos[t]
          .update({ title: `t${n}`, ownerId: user.id, rank: 10 - n })
          .link({ project: n < 2 ? p1 : p2 }),
      ),
    ])
    const byLink = await c.queryOnce({ todos: { $: { where: { 'project.name': 'work' } } } })
    expect(byLink.data.todos.map((t: any) => t.title).sort()).toEqual(['t2', 't3'])

    const nested = await c.queryOnce({ projects: { $: { where: { name: 'home' } }, todos: {} } })
    expect(nested.data.projects).toHaveLength(1)
    expect(nested.data.projects[0].todos.map((t: any) => t.title).sort()).toEqual(['t0', 't1'])

    const ordered = await c.queryOnce({ todos: { $: { order: { rank: 'asc' }, limit: 2 } } })
    expect(ordered.data.todos.map((t: any) => t.title)).toEqual(['t3', 't2'])
    expect(ordered.pageInfo?.['todos']?.hasNextPage).toBe(true)

    const page2 = await c.queryOnce({
      todos: { $: { order: { rank: 'asc' }, limit: 2, offset: 2 } },
    })
    expect(page2.data.todos.map((t: any) => t.title)).toEqual(['t1', 't0'])
    expect(page2.pageInfo?.['todos']).toMatchObject({
      hasNextPage: false,
      hasPreviousPage: true,
    })
    closeAll(s)
  })

  it('pages by cursor: after/first, before/last, and subscribeInfiniteQuery', async () => {
    const s = await start()
    const { c, user } = await s.signedIn('cursor@example.com')
    await s.admin.transact(
      [1, 2, 3, 4, 5].map((rank) =>
        s.admin.tx.todos[id()].update({ title: `c${rank}`, ownerId: user.id, rank }),
      ),
    )
    const titles = (r: any) => (r.data?.todos ?? []).map((t: any) => t.title)
    const order = { rank: 'asc' }
    const page1 = await c.queryOnce({ todos: { $: { order, first: 2 } } })
    expect(titles(page1)).toEqual(['c1', 'c2'])
    const info1 = page1.pageInfo.todos
    expect(info1.hasNextPage).toBe(true)
    expect(info1.endCursor[2]).toBe(2)

    const page2 = await c.queryOnce({ todos: { $: { order, first: 2, after: info1.endCursor } } })
    expect(titles(page2)).toEqual(['c3', 'c4'])
    expect(page2.pageInfo.todos).toMatchObject({ hasNextPage: true, hasPreviousPage: true })
    const page3 = await c.queryOnce({
      todos: { $: { order, first: 2, after: page2.pageInfo.todos.endCursor } },
    })
    expect(titles(page3)).toEqual(['c5'])
    expect(page3.pageInfo.todos.hasNextPage).toBe(false)

    const back = await c.queryOnce({
      todos: { $: { order, last: 2, before: page2.pageInfo.todos.endCursor } },
    })
    expect(titles(back)).toEqual(['c2', 'c3'])

    // The default order (creation time) pages the same way.
    const byTime = await c.queryOnce({ todos: { $: { first: 3 } } })
    const rest = await c.queryOnce({
      todos: { $: { first: 3, after: byTime.pageInfo.todos.endCursor } },
    })
    expect([...titles(byTime), ...titles(rest)].sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5'])
    expect(titles(rest)).toHaveLength(2)

    // The SDK's infinite query chains pages by the end cursors it gets back.
    let latest: any
    const waiters: (() => void)[] = []
    const sub = c.subscribeInfiniteQuery({ todos: { $: { order, limit: 2 } } }, (r: any) => {
      latest = r
      for (const w of waiters.splice(0)) w()
    })
    const until = (ok: (r: any) => boolean) =>
      new Promise<any>((resolve) => {
        const check = () =>
          latest !== undefined && ok(latest) ? resolve(latest) : waiters.push(check)
        check()
      })
    const firstPage = await until((r) => titles(r).length === 2)
    expect(titles(firstPage)).toEqual(['c1', 'c2'])
    expect(firstPage.canLoadNextPage).toBe(true)
    sub.loadNextPage()
    expect(titles(await until((r) => titles(r).length === 4))).toEqual(['c1', 'c2', 'c3', 'c4'])
    sub.unsubscribe()
    closeAll(s)
  })

  it('never sends where-path entities the caller may not view', async () => {
    const s = await start()
    const { c, user } = await s.signedIn('eve@example.com')
    const theirs = id()
    // Eve's todo sits in someone else's project: she cannot see the project, so the SDK
    // cannot match a where on its name, and the project's triples never reach her.
    await s.admin.transact([
      s.admin.tx.projects[theirs].update({ name: 'secret', ownerId: id() }),
      s.admin.tx.todos[id()]
        .update({ title: 'mine', ownerId: user.id, rank: 1 })
        .link({ project: theirs }),
    ])
    const r = await c.queryOnce({
      todos: { $: { where: { 'project.name': 'secret' } }, project: {} },
    })
    expect(r.data.todos).toEqual([])
    const all = await c.queryOnce({ todos: { project: {} } })
    expect(all.data.todos).toHaveLength(1)
    expect(all.data.todos[0].project).toEqual([])
    closeAll(s)
  })
})

describe('transact through the SDK', () => {
  it('creates, updates, links and deletes through the rules', async () => {
    const s = await start()
    const { c, user } = await s.signedIn('tom@example.com')
    const p = id()
    const t = id()
    await c.transact(c.tx.projects[p].update({ name: 'p', ownerId: user.id }))
    await c.transact(c.tx.todos[t].update({ title: 'draft', ownerId: user.id, rank: 1 }))
    await c.transact([
      c.tx.todos[t].update({ title: 'final' }),
      c.tx.projects[p].link({ todos: t }),
    ])
    const seen = await s.admin.query({ projects: { todos: {} } })
    expect(seen.projects).toEqual([
      {
        id: p,
        name: 'p',
        ownerId: user.id,
        todos: [{ id: t, title: 'final', ownerId: user.id, rank: 1 }],
      },
    ])
    await c.transact(c.tx.todos[t].delete())
    expect((await s.admin.query({ todos: {} })).todos).toEqual([])
    closeAll(s)
  })

  it('a write the rules deny is rejected and nothing is written', async () => {
    const s = await start()
    const { c } = await s.signedIn('mallory@example.com')
    const err = await c
      .transact(c.tx.todos[id()].update({ title: 'forged', ownerId: id(), rank: 1 }))
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(err).toMatchObject({ message: expect.stringContaining('Permission denied') })
    expect((await s.admin.query({ todos: {} })).todos).toEqual([])
    closeAll(s)
  })

  it('attrs a client creates get stable ids that other sessions receive', async () => {
    const s = await start()
    const { c } = await s.signedIn('new@example.com')
    await c.transact(c.tx.notes[id()].update({ text: 'hello' }))
    const other = s.client()
    const { data } = await other.queryOnce({ notes: {} })
    expect(data.notes.map((n: any) => n.text)).toEqual(['hello'])
    closeAll(s)
  })
})

describe('live queries', () => {
  it('pushes another client’s write and an admin write to a subscribed query', async () => {
    const s = await start()
    const a = await s.signedIn('live@example.com')
    const b = await s.signedIn('live@example.com')
    const titles = (r: any) => (r.data?.todos ?? []).map((t: any) => t.title).sort()
    const subscribe = (cb: (r: any) => void) => a.c.subscribeQuery({ todos: {} }, cb)
    await nextResult(subscribe, (r) => r.data !== undefined)

    const fromB = nextResult(subscribe, (r) => titles(r).includes('from b'))
    await b.c.transact(b.c.tx.todos[id()].update({ title: 'from b', ownerId: b.user.id, rank: 1 }))
    expect(titles(await fromB)).toEqual(['from b'])

    const fromAdmin = nextResult(subscribe, (r) => titles(r).includes('from admin'))
    await s.admin.transact(
      s.admin.tx.todos[id()].update({ title: 'from admin', ownerId: a.user.id, rank: 2 }),
    )
    expect(titles(await fromAdmin)).toEqual(['from admin', 'from b'])
    closeAll(s)
  })

  it('keeps an ordered, limited page right as rows enter it', async () => {
    const s = await start()
    const { c, user } = await s.signedIn('page@example.com')
    await s.admin.transact(
      [5, 6, 7].map((rank) =>
        s.admin.tx.todos[id()].update({ title: `r${rank}`, ownerId: user.id, rank }),
      ),
    )
    const titles = (r: any) => (r.data?.todos ?? []).map((t: any) => t.title)
    const q = { todos: { $: { order: { rank: 'asc' }, limit: 2 } } }
    const subscribe = (cb: (r: any) => void) => c.subscribeQuery(q, cb)
    expect(titles(await nextResult(subscribe, (r) => titles(r).length === 2))).toEqual(['r5', 'r6'])
    const next = nextResult(subscribe, (r) => titles(r).includes('r1'))
    await s.admin.transact(
      s.admin.tx.todos[id()].update({ title: 'r1', ownerId: user.id, rank: 1 }),
    )
    expect(titles(await next)).toEqual(['r1', 'r5'])
    closeAll(s)
  })

  it('a token revoked on the server signs the client out', async () => {
    const s = await start()
    const { c } = await s.signedIn('gone@example.com')
    await c.queryOnce({ todos: {} })
    const signedOut = nextResult(
      (cb) => c.subscribeAuth(cb),
      (auth: any) => auth.user === null,
    )
    await s.admin.auth.signOut('gone@example.com')
    expect(await signedOut).toMatchObject({ user: null })
    closeAll(s)
  })
})

describe('rooms', () => {
  it('presence and broadcast between two clients', async () => {
    const s = await start()
    const a = s.client()
    const b = s.client()
    const roomA = a.joinRoom('chat', 'room-1', { initialPresence: { name: 'a' } })
    const roomB = b.joinRoom('chat', 'room-1', { initialPresence: { name: 'b' } })
    let peersOfA: Record<string, any> = {}
    let peersOfB: Record<string, any> = {}
    const received: unknown[] = []
    roomA.subscribePresence({}, (p: any) => (peersOfA = p.peers ?? {}))
    roomB.subscribePresence({}, (p: any) => (peersOfB = p.peers ?? {}))
    roomB.subscribeTopic('emoji', (data: unknown) => received.push(data))
    const names = (peers: Record<string, any>) => Object.values(peers).map((p) => p.name)

    await waitFor(() => (names(peersOfA).includes('b') ? true : undefined))
    await waitFor(() => (names(peersOfB).includes('a') ? true : undefined))
    expect(names(peersOfA)).toEqual(['b'])
    expect(names(peersOfB)).toEqual(['a'])

    roomA.publishTopic('emoji', { name: 'wave' })
    expect(await waitFor(() => received[0])).toEqual({ name: 'wave' })

    // A leaves (its last subscriptions end): B's peers are empty again.
    a.shutdown()
    await waitFor(() => (names(peersOfB).length === 0 ? true : undefined))
    closeAll(s)
  })
})
