import request from 'supertest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApp, hashPassword } from './password-sign-in.js'
import { startTestInstant } from './test-support.js'

let instant: Awaited<ReturnType<typeof startTestInstant>>
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  instant = await startTestInstant()
  const users = new Map([['ada@example.com', await hashPassword('correct horse')]])
  app = createApp({ db: instant.db, users })
})
afterAll(() => instant?.close())

it('gives an Instant token for the right password', async () => {
  const res = await request(app)
    .post('/sign-in')
    .send({ email: ' Ada@Example.com', password: 'correct horse' })
    .expect(200)
  const user = await instant.db.auth.verifyToken(res.body.token)
  expect(user.email).toBe('ada@example.com')
})

it('refuses a wrong password and an unknown user alike, and creates no user', async () => {
  for (const body of [
    { email: 'ada@example.com', password: 'wrong' },
    { email: 'mallory@example.com', password: 'correct horse' },
    { email: 'ada@example.com' },
  ]) {
    const res = await request(app).post('/sign-in').send(body).expect(401)
    expect(res.type).toBe('application/problem+json')
    expect(res.body).toMatchObject({ status: 401, code: 'invalid_credentials' })
  }
  await expect(instant.db.auth.getUser({ email: 'mallory@example.com' })).resolves.toBeNull()
})
