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

it('signed out, a page load goes to the login page, which remembers the page', async () => {
  const res = await request(app).get('/').set('sec-fetch-mode', 'navigate').expect(303)
  expect(res.headers['location']).toBe('/login?next=%2F')
  const login = await request(app).get('/login?next=%2F').expect(200)
  expect(login.text).toContain('<h1>Sign in</h1>')
  expect(login.text).toContain('<input type="hidden" name="next" value="/">')
  expect(login.headers['cache-control']).toBe('no-store')
})

it('the email form sends a code and lands on the code page; a wrong code comes back to it', async () => {
  const sent = await sameOrigin(request(app).post('/custom-send-magic-code'))
    .type('form')
    .send({ email: EMAIL, next: '/' })
    .expect(303)
  expect(sent.headers['location']).toBe(`/login/code?email=${encodeURIComponent(EMAIL)}&next=%2F`)
  const page = await request(app).get(sent.headers['location']!).expect(200)
  expect(page.text).toContain(`<input type="hidden" name="email" value="${EMAIL}">`)
  const code = codes.get(EMAIL)!
  const wrong = await sameOrigin(request(app).post('/verify-magic-code'))
    .type('form')
    .send({ email: EMAIL, code: code === '000000' ? '111111' : '000000', next: '/' })
    .expect(303)
  expect(wrong.headers['location']).toBe(
    `/login?error=invalid_code&next=%2F&email=${encodeURIComponent(EMAIL)}`,
  )
  const again = await request(app).get(wrong.headers['location']!).expect(200)
  expect(again.text).toContain('That code is not right')
  expect(again.text).toContain('<h1>Check your email</h1>')
})

it('the code form signs in with an HttpOnly __Host- cookie and lands on the page', async () => {
  const res = await sameOrigin(request(app).post('/verify-magic-code'))
    .type('form')
    .send({ email: EMAIL, code: codes.get(EMAIL), next: '/' })
    .expect(303)
  expect(res.headers['location']).toBe('/')
  expect(res.text).toBe('')
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

it('the sign-out form revokes the token, clears the cookie and lands on the login page', async () => {
  const res = await sameOrigin(request(app).post('/sign-out'))
    .set('cookie', cookie)
    .type('form')
    .send({})
    .expect(303)
  expect(res.headers['location']).toBe('/login')
  expect(res.headers['set-cookie']).toEqual([
    '__Host-instant_token=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
  ])
  // The revoked token's cookie, if the browser still sent it, goes to the login page, cleared.
  const page = await request(app)
    .get('/')
    .set('cookie', cookie)
    .set('sec-fetch-mode', 'navigate')
    .expect(303)
  expect(page.headers['location']).toBe('/login?next=%2F')
  expect(page.headers['set-cookie']).toEqual(res.headers['set-cookie'])
})
