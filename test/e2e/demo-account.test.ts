/**
 * The demo's server-rendered page over HTTP (supertest) against an in-memory Local Instant:
 * the session cookie from sign-in, the page rendered from it, the plain form post, and the
 * same post from another origin refused.
 */
import request from 'supertest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { init } from 'instant-express-auth/admin'
import { startLocalInstant, type LocalInstant } from 'instant-express-auth/local'
import { createDemoApp } from '../../src/demo/app.js'
import { DEMO_RULES } from '../../src/demo/rules.js'

const ALICE = { email: 'alice@example.com', password: 'alice-test-password' }

let local: LocalInstant
let db: ReturnType<typeof init>
let app: ReturnType<typeof createDemoApp>
let cookie: string

beforeAll(async () => {
  local = await startLocalInstant({
    port: 0,
    host: '127.0.0.1',
    dbPath: ':memory:',
    rules: DEMO_RULES,
    logger: false,
  })
  db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
  app = createDemoApp({ db, sendEmail: async () => {}, accounts: [ALICE] })
})

afterAll(async () => {
  await db?.close()
  await local?.close()
})

it('sign-in sets the demo cookie, without Secure on plain-http loopback, and still answers the token', async () => {
  const res = await request(app).post('/sign-in').send(ALICE).expect(200)
  expect(res.headers['set-cookie']).toEqual([
    `instant_demo_token=${res.body.token}; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax`,
  ])
  cookie = `instant_demo_token=${res.body.token}`
})

it('/account renders signed out without the cookie, and greets the user with it', async () => {
  const anonymous = await request(app).get('/account').expect(200)
  expect(anonymous.text).toContain('data-testid="ssr-signed-out"')
  const res = await request(app).get('/account').set('cookie', cookie).expect(200)
  expect(res.headers['cache-control']).toBe('no-store')
  expect(res.headers['content-security-policy']).toContain("script-src 'self'")
  expect(res.text).toContain('<h2 data-testid="ssr-greeting">Hello, alice@example.com!</h2>')
})

it('the form posts a todo (303 back to /account), visible through the API too', async () => {
  const res = await request(app)
    .post('/account/todos')
    .set('cookie', cookie)
    .set('sec-fetch-site', 'same-origin')
    .type('form')
    .send({ title: 'From <the> form' })
    .expect(303)
  expect(res.headers['location']).toBe('/account')
  const page = await request(app).get('/account').set('cookie', cookie).expect(200)
  expect(page.text).toContain('<li data-testid="ssr-todo">From &lt;the&gt; form</li>')
  const api = await request(app).get('/api/todos').set('cookie', cookie).expect(200)
  expect(api.body.todos.map((t: { title: string }) => t.title)).toEqual(['From <the> form'])
})

it('the same post from another origin → 403 csrf_rejected; nothing is written', async () => {
  const res = await request(app)
    .post('/account/todos')
    .set('cookie', cookie)
    .set('sec-fetch-site', 'same-site')
    .set('origin', 'http://127.0.0.1:1')
    .type('form')
    .send({ title: 'forged' })
    .expect(403)
  expect(res.body.code).toBe('csrf_rejected')
  const api = await request(app)
    .delete('/api/todos/x')
    .set('cookie', cookie)
    .set('origin', 'https://evil.example')
    .expect(403)
  expect(api.body.code).toBe('csrf_rejected')
  const page = await request(app).get('/account').set('cookie', cookie).expect(200)
  expect(page.text).not.toContain('forged')
})

it('sign-out with the cookie clears it; /account is signed out again', async () => {
  const res = await request(app)
    .post('/sign-out')
    .set('cookie', cookie)
    .set('sec-fetch-site', 'same-origin')
    .expect(204)
  expect(res.headers['set-cookie']).toEqual([
    'instant_demo_token=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
  ])
  await request(app).get('/api/me').set('cookie', cookie).expect(401)
})
