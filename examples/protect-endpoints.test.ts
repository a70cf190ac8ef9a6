import request from 'supertest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { id } from 'instant-express-auth/admin'
import { createApp } from './protect-endpoints.js'
import { startTestInstant } from './test-support.js'

const RULES = { todos: { allow: { view: 'auth.id == data.ownerId' } } }

let instant: Awaited<ReturnType<typeof startTestInstant>>
let app: ReturnType<typeof createApp>
let token: string
let userId: string

beforeAll(async () => {
  instant = await startTestInstant({ rules: RULES })
  app = createApp({ db: instant.db })
  token = await instant.db.auth.createToken({ email: 'ada@example.com' })
  userId = (await instant.db.auth.verifyToken(token)).id
  const { db } = instant
  await db.transact([
    db.tx.todos![id()]!.update({ title: 'mine', ownerId: userId }),
    db.tx.todos![id()]!.update({ title: 'someone else’s', ownerId: id() }),
  ])
})
afterAll(() => instant?.close())

it('requireInstantUser: 401 missing_token without a token', async () => {
  const res = await request(app).get('/me').expect(401)
  expect(res.type).toBe('application/problem+json')
  expect(res.body.code).toBe('missing_token')
  expect(res.headers['www-authenticate']).toMatch(/^Bearer/)
})

it('requireInstantUser: 401 invalid_token for an unknown token', async () => {
  const res = await request(app).get('/me').set('token', id()).expect(401)
  expect(res.body.code).toBe('invalid_token')
})

it('requireInstantUser: the user, without refresh_token, from the token header or a Bearer token', async () => {
  for (const [header, value] of [
    ['token', token],
    ['authorization', `Bearer ${token}`],
  ] as const) {
    const res = await request(app).get('/me').set(header, value).expect(200)
    expect(res.body).toMatchObject({ id: userId, email: 'ada@example.com' })
    expect(res.body).not.toHaveProperty('refresh_token')
  }
})

it('req.instant.db is scoped to the user: permission rules filter what it reads', async () => {
  const res = await request(app).get('/todos').set('token', token).expect(200)
  expect(res.body.todos.map((t: { title: string }) => t.title)).toEqual(['mine'])
})

it('optionalInstantUser: anonymous and signed-in requests both get through', async () => {
  await request(app).get('/greeting').expect(200, { message: 'Hello, stranger!' })
  await request(app)
    .get('/greeting')
    .set('token', token)
    .expect(200, { message: 'Hello, ada@example.com!' })
})

it('instantErrorHandler: a query Instant refuses is problem+json 400 invalid_query, no stack', async () => {
  const res = await request(app).get('/todos/urgent').set('token', token).expect(400)
  expect(res.type).toBe('application/problem+json')
  expect(res.body.code).toBe('invalid_query')
  expect(res.text).not.toContain('    at ')
})
