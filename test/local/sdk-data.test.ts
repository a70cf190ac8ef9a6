import { id, init } from '@instantdb/admin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalInstant, type LocalInstant } from 'instant-express-auth/local'
import { rejectionOf } from './helpers.js'

let local: LocalInstant
let db: ReturnType<typeof init>
/** Untyped (no schema): the namespaces are open. */
let tx: any

beforeAll(async () => {
  local = await startLocalInstant({
    logger: false,
    rules: { todos: { allow: { view: 'auth.id != null && auth.id == data.ownerId' } } },
  })
  db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
  tx = db.tx
})
afterAll(async () => {
  await local.close()
})

describe('/admin/query and /admin/transact go through the data engine with the resolved caller', () => {
  it('admin sees everything; a user sees what the rules allow; a guest sees nothing here', async () => {
    const token = await db.auth.createToken({ email: 'owner@example.com' })
    const owner = await db.auth.verifyToken(token)
    const mine = id()
    const theirs = id()
    const res = await db.transact([
      tx.todos[mine].update({ title: 'mine', ownerId: owner.id }),
      tx.todos[theirs].update({ title: 'theirs', ownerId: id() }),
    ])
    expect(res['tx-id']).toEqual(expect.any(Number))

    const all = await db.query({ todos: {} })
    expect(all.todos.map((t: any) => t.title).sort()).toEqual(['mine', 'theirs'])
    const asToken = await db.asUser({ token }).query({ todos: {} })
    expect(asToken.todos.map((t: any) => t.id)).toEqual([mine])
    const asEmail = await db.asUser({ email: 'owner@example.com' }).query({ todos: {} })
    expect(asEmail.todos.map((t: any) => t.id)).toEqual([mine])
    const asGuest = await db.asUser({ guest: true }).query({ todos: {} })
    expect(asGuest.todos).toEqual([])
  })

  it('as-token with an unknown token is record-not-found app-user', async () => {
    const err = await rejectionOf(db.asUser({ token: id() }).query({ todos: {} }))
    expect(err.status).toBe(400)
    expect(err.body.hint['record-type']).toBe('app-user')
  })

  it('a $users change made through transact shows up in verifyToken (no stale cache)', async () => {
    const token = await db.auth.createToken({ email: 'nick@example.com' })
    const before = await db.auth.verifyToken(token)
    expect(before.email).toBe('nick@example.com')
    await db.transact(tx.$users[before.id].update({ nickname: 'Nick' }))
    expect(((await db.auth.verifyToken(token)) as any).nickname).toBe('Nick')
    await db.transact(tx.$users[before.id].delete())
    expect((await rejectionOf(db.auth.verifyToken(token))).body.type).toBe('record-not-found')
  })
})
