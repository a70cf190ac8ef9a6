/**
 * Topic invalidation: a commit recomputes only the live queries whose result it can change. A
 * write to one user's todo leaves every other user's `todos where ownerId = me` alone, while
 * every write that can change a result (entering it, leaving it, deleted from it) still does.
 */
import { i, id } from '@instantdb/core'
import { describe, expect, it } from 'vitest'
import type { LocalInstant } from 'instant-express-auth/local'
import { localInstants } from './helpers.js'
import { OWNER_ONLY, rawSession, type RawSession } from './session-helpers.js'

const schema = i.schema({
  entities: {
    $users: i.entity({ email: i.string().unique().indexed() }),
    todos: i.entity({ title: i.string(), ownerId: i.string().indexed() }),
  },
  links: {},
  rooms: {},
})

const instants = localInstants()

/** A raw session of a new user, subscribed to `todos where ownerId = me`. */
async function subscriber(local: LocalInstant, db: any, email: string) {
  const token = await db.auth.createToken(email)
  const user = await db.auth.getUser({ email })
  const raw = await rawSession(local)
  raw.send({ op: 'init', 'app-id': local.appId, 'refresh-token': token })
  await raw.next((m) => m.op === 'init-ok')
  const q = { todos: { $: { where: { ownerId: user.id } } } }
  raw.send({ op: 'add-query', q })
  await raw.next((m) => m.op === 'add-query-ok')
  return { raw, userId: user.id as string }
}

/** Titles in the last result `raw` was sent for its query. */
function titles(raw: RawSession): string[] {
  const last = raw.messages
    .flatMap((m) =>
      m.op === 'add-query-ok'
        ? [m.result]
        : m.op === 'refresh-ok'
          ? m.computations.map((c: any) => c['instaql-result'])
          : [],
    )
    .at(-1)
  const rows = last[0].data['datalog-result']['join-rows'][0] as [string, string, unknown][]
  const titleAttr = raw.messages[0].attrs.find(
    (a: any) => a['forward-identity'][1] === 'todos' && a['forward-identity'][2] === 'title',
  ).id
  return rows
    .filter((t) => t[1] === titleAttr)
    .map((t) => t[2] as string)
    .sort()
}

const refreshes = (raw: RawSession) => raw.messages.filter((m) => m.op === 'refresh-ok').length

describe('topic invalidation', () => {
  it('a write to one user’s todo recomputes that user’s query only, not the others’', async () => {
    const { local, db } = await instants.start({ schema, rules: { todos: { allow: OWNER_ONLY } } })
    const admin: any = db
    const users = []
    for (let n = 0; n < 5; n++) users.push(await subscriber(local, admin, `u${n}@example.com`))
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]]
    const before = local.stats().recomputations

    const todo = id()
    await admin.transact(admin.tx.todos[todo].update({ title: 'a1', ownerId: a.userId }))
    await a.raw.next((m) => m.op === 'refresh-ok')
    expect(titles(a.raw)).toEqual(['a1'])
    expect(local.stats().recomputations - before).toBe(1)

    // Moving the todo to b changes both results: a's held it, b's filter matches it now.
    await admin.transact(admin.tx.todos[todo].update({ ownerId: b.userId }))
    await b.raw.next((m) => m.op === 'refresh-ok')
    await a.raw.next(
      (m) => m.op === 'refresh-ok' && m.computations.length === 1 && refreshes(a.raw) === 2,
    )
    expect(titles(a.raw)).toEqual([])
    expect(titles(b.raw)).toEqual(['a1'])
    expect(local.stats().recomputations - before).toBe(3)

    // Deleted from b's result: b's query only.
    await admin.transact(admin.tx.todos[todo].delete())
    await b.raw.next((m) => m.op === 'refresh-ok' && refreshes(b.raw) === 2)
    expect(titles(b.raw)).toEqual([])
    expect(local.stats().recomputations - before).toBe(4)
    // The three bystanders never got a refresh.
    for (const u of users.slice(2)) expect(refreshes(u.raw)).toBe(0)
    for (const u of users) u.raw.destroy()
  })

  it('queries without a topic (no where, a link path) still follow every write of their namespaces', async () => {
    const { local, db } = await instants.start({ schema })
    const admin: any = db
    const raw = await rawSession(local)
    raw.send({ op: 'init', 'app-id': local.appId })
    await raw.next((m) => m.op === 'init-ok')
    raw.send({ op: 'add-query', q: { todos: {} } })
    raw.send({ op: 'add-query', q: { todos: { $: { where: { title: { $like: 'x%' } } } } } })
    await raw.next((m) => m.op === 'add-query-ok' && m.q.todos.$)
    const before = local.stats().recomputations
    await admin.transact(admin.tx.todos[id()].update({ title: 'xyz', ownerId: 'n' }))
    const refresh = await raw.next((m) => m.op === 'refresh-ok')
    expect(refresh.computations).toHaveLength(2)
    expect(local.stats().recomputations - before).toBe(2)
    raw.destroy()
  })
})
