import request from 'supertest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApp, RULES } from './server-rendered.js'
import { startTestInstant } from './test-support.js'

const EMAIL = 'ada@example.com'
const HOST = 'notes.example.com'

let instant: Awaited<ReturnType<typeof startTestInstant>>
let app: ReturnType<typeof createApp>
const codes = new Map<string, string>()
let cookie: string

beforeAll(async () => {
  instant = await startTestInstant({ rules: RULES })
  app = createApp({ db: instant.db, sendEmail: ({ email, code }) => void codes.set(email, code) })
})
afterAll(() => instant?.close())

/** What a browser on the app's own page sends with a fetch or form post. */
const sameOrigin = (test: request.Test) =>
  test.set('host', HOST).set('sec-fetch-site', 'same-origin').set('origin', `https://${HOST}`)

it('signed out, the page offers the sign-in forms', async () => {
  const res = await request(app).get('/').expect(200)
  expect(res.text).toContain('<h1>Sign in</h1>')
  expect(res.headers['cache-control']).toBe('no-store')
})

it('a magic code signs in with an HttpOnly __Host- cookie and no token in the body', async () => {
  await sameOrigin(request(app).post('/custom-send-magic-code')).send({ email: EMAIL }).expect(200)
  const res = await sameOrigin(request(app).post('/verify-magic-code'))
    .send({ email: EMAIL, code: codes.get(EMAIL) })
    .expect(200)
  expect(res.body).not.toHaveProperty('token')
  expect(res.body.user.email).toBe(EMAIL)
  const [setCookie] = res.headers['set-cookie'] as unknown as string[]
  expect(setCookie).toMatch(
    /^__Host-instant_token=[0-9a-f-]{36}; Path=\/; Max-Age=604800; HttpOnly; Secure; SameSite=Lax$/,
  )
  cookie = setCookie!.split(';')[0]!
})

it('on reload, the server-rendered page greets the user from the cookie', async () => {
  const res = await request(app).get('/').set('cookie', cookie).expect(200)
  expect(res.text).toContain('<h1 data-testid="greeting">Hello, ada@example.com!</h1>')
})

it('the form posts a note through the user-scoped db; the page shows it', async () => {
  const res = await sameOrigin(request(app).post('/notes'))
    .set('cookie', cookie)
    .type('form')
    .send({ title: 'Buy <milk>' })
    .expect(303)
  expect(res.headers['location']).toBe('/')
  const page = await request(app).get('/').set('cookie', cookie).expect(200)
  expect(page.text).toContain('<li>Buy &lt;milk&gt;</li>')
})

it('the same form posted from another site is refused: 403 csrf_rejected, nothing written', async () => {
  for (const headers of [
    { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    { origin: 'https://evil.example' },
  ]) {
    const res = await request(app)
      .post('/notes')
      .set('host', HOST)
      .set(headers)
      .set('cookie', cookie)
      .type('form')
      .send({ title: 'pwned' })
      .expect(403)
    expect(res.body.code).toBe('csrf_rejected')
  }
  const page = await request(app).get('/').set('cookie', cookie).expect(200)
  expect(page.text).not.toContain('pwned')
})

it('sign-out revokes the token and clears the cookie; a stale cookie renders signed out', async () => {
  const res = await sameOrigin(request(app).post('/sign-out')).set('cookie', cookie).expect(204)
  expect(res.headers['set-cookie']).toEqual([
    '__Host-instant_token=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
  ])
  // The revoked token's cookie, if the browser still sent it, renders signed out and is cleared.
  const page = await request(app).get('/').set('cookie', cookie).expect(200)
  expect(page.text).toContain('<h1>Sign in</h1>')
  expect(page.headers['set-cookie']).toEqual(res.headers['set-cookie'])
})
