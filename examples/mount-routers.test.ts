import request from 'supertest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { memoryEmail } from 'instant-express-auth/email'
import { createApp } from './mount-routers.js'
import { startTestInstant } from './test-support.js'

let instant: Awaited<ReturnType<typeof startTestInstant>>
const mailbox = memoryEmail()
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  instant = await startTestInstant()
  app = createApp({ db: instant.db, sendEmail: mailbox })
})
afterAll(() => instant?.close())

it('keeps the app’s own routes', async () => {
  await request(app).get('/health').expect(200, { ok: true })
})

it('signs in with a magic code under /auth and signs out', async () => {
  const email = 'ada@example.com'
  await request(app)
    .post('/auth/custom-send-magic-code')
    .send({ email })
    .expect(200, { sent: true })
  const code = mailbox.lastCodeFor(email)
  expect(code).toMatch(/^\d{6}$/)

  const verified = await request(app)
    .post('/auth/verify-magic-code')
    .send({ email, code })
    .expect(200)
  expect(verified.body).toMatchObject({ created: true, user: { email } })
  expect(verified.body.user).not.toHaveProperty('refresh_token')
  const token = verified.body.token as string
  await expect(instant.db.auth.verifyToken(token)).resolves.toMatchObject({ email })

  await request(app).post('/auth/sign-out').set('token', token).expect(204)
  await expect(instant.db.auth.verifyToken(token)).rejects.toMatchObject({ status: 400 })
})

it('answers a wrong code with problem+json 401 invalid_code', async () => {
  const email = 'grace@example.com'
  await request(app).post('/auth/custom-send-magic-code').send({ email }).expect(200)
  const wrong = mailbox.lastCodeFor(email) === '000000' ? '111111' : '000000'
  const res = await request(app)
    .post('/auth/verify-magic-code')
    .send({ email, code: wrong })
    .expect(401)
  expect(res.type).toBe('application/problem+json')
  expect(res.body).toMatchObject({ status: 401, code: 'invalid_code' })
})
