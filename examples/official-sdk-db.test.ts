import { init } from '@instantdb/admin'
import request from 'supertest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { id } from 'instant-express-auth/admin'
import { createApp } from './official-sdk-db.js'
import { startTestInstant } from './test-support.js'

const RULES = { todos: { allow: { view: 'auth.id == data.ownerId' } } }

let instant: Awaited<ReturnType<typeof startTestInstant>>
let sdk: ReturnType<typeof init>
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  instant = await startTestInstant({ rules: RULES })
  sdk = init(instant.config)
  app = createApp({ db: sdk })
})
afterAll(() => instant?.close())

it('verifies tokens and scopes queries with the official SDK as db', async () => {
  const token = await sdk.auth.createToken({ email: 'ada@example.com' })
  const user = await sdk.auth.verifyToken(token)
  await sdk.transact([
    sdk.tx.todos![id()]!.update({ title: 'mine', ownerId: user.id }),
    sdk.tx.todos![id()]!.update({ title: 'not mine', ownerId: id() }),
  ])

  await request(app).get('/me').expect(401)
  const me = await request(app).get('/me').set('token', token).expect(200)
  expect(me.body).toMatchObject({ id: user.id, email: 'ada@example.com' })
  expect(me.body).not.toHaveProperty('refresh_token')

  const todos = await request(app).get('/todos').set('token', token).expect(200)
  expect(todos.body.todos.map((t: { title: string }) => t.title)).toEqual(['mine'])
})
