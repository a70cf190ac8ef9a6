/**
 * Testing an app's rules and endpoints with `instant-express-auth/testing`: the environment
 * loads the app's own instant.schema.ts and instant.perms.ts (from examples/testing/).
 */
import { fileURLToPath } from 'node:url'
import request from 'supertest'
import { id } from 'instant-express-auth/admin'
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type InstantTestEnvironment,
} from 'instant-express-auth/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from './testing/app.js'
import type { AppSchema } from './testing/instant.schema.js'

let env: InstantTestEnvironment<AppSchema>
beforeAll(async () => {
  // In an app, `initializeTestEnvironment()` finds the files from the working directory.
  env = await initializeTestEnvironment<AppSchema>({
    projectDir: fileURLToPath(new URL('./testing', import.meta.url)),
  })
})
beforeEach(() => env.clearData())
afterAll(() => env.cleanup())

describe('the todos rules', () => {
  it('lets the owner delete a todo and refuses anyone else, naming the rule', async () => {
    const todoId = id()
    await env.withRulesDisabled((db) =>
      db.transact(db.tx.todos[todoId]!.update({ title: 'milk', ownerId: 'alice-id' })),
    )
    const bob = await env.authenticatedContext({ email: 'bob@example.com' })
    const denied = await assertFails(bob.db.transact(bob.db.tx.todos[todoId]!.delete()))
    expect(denied.rule).toBe('auth.id == data.ownerId')

    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    const mine = id()
    await assertSucceeds(
      alice.db.transact(alice.db.tx.todos[mine]!.update({ title: 'eggs', ownerId: alice.user.id })),
    )
    await assertSucceeds(alice.db.transact(alice.db.tx.todos[mine]!.delete()))
  })

  it('shows nothing to a visitor who is not signed in', async () => {
    await env.withRulesDisabled((db) =>
      db.transact(db.tx.todos[id()]!.update({ title: 'milk', ownerId: 'x' })),
    )
    // The todo is there; the rules hide it.
    expect((await env.db.query({ todos: {} })).todos).toHaveLength(1)
    const visitor = env.unauthenticatedContext()
    expect(await visitor.db.query({ todos: {} })).toEqual({ todos: [] })
  })
})

describe('the endpoints', () => {
  it('POST /todos creates as the signed-in user; DELETE by someone else is 403', async () => {
    const app = createApp({ db: env.db })
    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    const created = await request(app)
      .post('/todos')
      .set('token', alice.token)
      .send({ title: 'milk' })
      .expect(201)
    const todoId = (created.body as { id: string }).id

    const bob = await env.authenticatedContext({ email: 'bob@example.com' })
    const refused = await request(app).delete(`/todos/${todoId}`).set('token', bob.token)
    expect(refused.status).toBe(403)
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/)

    await request(app).delete(`/todos/${todoId}`).set('token', alice.token).expect(204)
    await request(app).post('/todos').send({ title: 'x' }).expect(401)
  })
})
