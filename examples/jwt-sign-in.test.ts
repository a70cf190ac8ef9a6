import request from 'supertest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApp, startLocalIdentityProvider } from './jwt-sign-in.js'
import { startTestInstant } from './test-support.js'

let instant: Awaited<ReturnType<typeof startTestInstant>>
let provider: Awaited<ReturnType<typeof startLocalIdentityProvider>>
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  instant = await startTestInstant()
  provider = await startLocalIdentityProvider()
  app = createApp({ db: instant.db, identity: provider.config })
})
afterAll(async () => {
  await provider?.close()
  await instant?.close()
})

it('signs in with a valid JWT from the body or the Authorization header', async () => {
  const jwt = await provider.signToken('Ada@Example.com')
  const fromBody = await request(app).post('/sign-in').send({ token: jwt }).expect(200)
  await expect(instant.db.auth.verifyToken(fromBody.body.token)).resolves.toMatchObject({
    email: 'ada@example.com',
  })
  const fromHeader = await request(app)
    .post('/sign-in')
    .set('authorization', `Bearer ${jwt}`)
    .expect(200)
  expect(fromHeader.body.token).not.toBe(fromBody.body.token)
})

it('refuses a JWT for another audience, an unverified email and a tampered token', async () => {
  const otherAudience = await provider.signToken('ada@example.com', { aud: 'another-app' })
  const unverified = await provider.signToken('ada@example.com', { email_verified: false })
  const good = await provider.signToken('ada@example.com')
  const tampered = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA')
  for (const token of [otherAudience, unverified, tampered, 'not-a-jwt']) {
    const res = await request(app).post('/sign-in').send({ token }).expect(401)
    expect(res.type).toBe('application/problem+json')
    expect(res.body.code).toBe('invalid_credentials')
  }
})
