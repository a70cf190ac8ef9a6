/**
 * The demo app over HTTP (supertest) against a real, in-memory Local Instant with the demo's
 * permission rules: password and magic-code sign-in, /api/me, todos, isolation, sign-out.
 */
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { init } from 'instant-express-auth/admin'
import { memoryEmail } from 'instant-express-auth/email'
import { startLocalInstant, type LocalInstant } from 'instant-express-auth/local'
import { createDemoApp } from '../../src/demo/app.js'
import { DEMO_RULES } from '../../src/demo/rules.js'
import { startDemo } from '../../src/demo/start.js'

const ALICE = { email: 'alice@example.com', password: 'alice-test-password' }
const BOB = { email: 'bob@example.com', password: 'bob-test-password' }

let local: LocalInstant
let db: ReturnType<typeof init>
let mailbox: ReturnType<typeof memoryEmail>
let app: ReturnType<typeof createDemoApp>

beforeAll(async () => {
  local = await startLocalInstant({
    port: 0,
    host: '127.0.0.1',
    dbPath: ':memory:',
    rules: DEMO_RULES,
    logger: false,
  })
  db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
  mailbox = memoryEmail()
  app = createDemoApp({ db, mailbox, sendEmail: async () => {}, accounts: [ALICE, BOB] })
})

afterAll(async () => {
  await db?.close()
  await local?.close()
})

async function signIn(account: { email: string; password: string }): Promise<string> {
  const res = await request(app).post('/sign-in').send(account).expect(200)
  expect(typeof res.body.token).toBe('string')
  return res.body.token as string
}

describe('the page', () => {
  it('is served with a CSP that allows only same-origin scripts', async () => {
    const res = await request(app).get('/').expect(200)
    expect(res.type).toBe('text/html')
    expect(res.text).toContain('data-testid="signed-out"')
    expect(res.text).toContain('data-testid="mailbox"')
    expect(res.text).not.toMatch(/<script>/)
    const csp = res.headers['content-security-policy'] as string
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('upgrade-insecure-requests')
    await request(app)
      .get('/app.js')
      .expect(200)
      .expect('content-type', /javascript/)
    await request(app).get('/app.css').expect(200).expect('content-type', /css/)
  })

  it('lists the demo accounts', async () => {
    const res = await request(app).get('/').expect(200)
    expect(res.text).toContain('alice@example.com')
    expect(res.text).toContain('bob-test-password')
  })
})

describe('password sign-in', () => {
  it('gives a token for the right password, and /api/me shows the user without refresh_token', async () => {
    const token = await signIn(ALICE)
    const me = await request(app).get('/api/me').set('token', token).expect(200)
    expect(me.body.email).toBe('alice@example.com')
    expect(me.body.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(me.body).not.toHaveProperty('refresh_token')
    expect(JSON.stringify(me.body)).not.toContain(token)
  })

  it('accepts the email in any case and with spaces', async () => {
    await signIn({ email: '  Alice@Example.COM ', password: ALICE.password })
  })

  it('refuses a wrong password and an unknown account with the same problem', async () => {
    for (const body of [
      { email: ALICE.email, password: 'wrong' },
      { email: 'mallory@example.com', password: ALICE.password },
    ]) {
      const res = await request(app).post('/sign-in').send(body).expect(401)
      expect(res.type).toBe('application/problem+json')
      expect(res.body).toMatchObject({ status: 401, code: 'invalid_credentials' })
    }
  })

  it('answers 401 missing_token on /api without a token', async () => {
    const res = await request(app).get('/api/me').expect(401)
    expect(res.type).toBe('application/problem+json')
    expect(res.body.code).toBe('missing_token')
  })
})

describe('magic-code sign-in', () => {
  it('sends a code to the dev mailbox and signs in with it', async () => {
    await request(app)
      .post('/custom-send-magic-code')
      .send({ email: 'carol@example.com' })
      .expect(200, { sent: true })
    const box = await request(app).get('/dev/mailbox').expect(200)
    const code = mailbox.lastCodeFor('carol@example.com')
    expect(code).toMatch(/^\d{6}$/)
    expect(box.body.messages[0]).toEqual({ email: 'carol@example.com', code })
    const res = await request(app)
      .post('/verify-magic-code')
      .send({ email: 'carol@example.com', code })
      .expect(200)
    const me = await request(app).get('/api/me').set('token', res.body.token).expect(200)
    expect(me.body.email).toBe('carol@example.com')
  })

  it('refuses a wrong code', async () => {
    await request(app)
      .post('/custom-send-magic-code')
      .send({ email: 'dave@example.com' })
      .expect(200)
    const code = mailbox.lastCodeFor('dave@example.com')!
    const wrong = code === '000000' ? '111111' : '000000'
    const res = await request(app)
      .post('/verify-magic-code')
      .send({ email: 'dave@example.com', code: wrong })
      .expect(401)
    expect(res.body.code).toBe('invalid_code')
  })

  it('has no dev mailbox without a memory provider', async () => {
    const plain = createDemoApp({ db, sendEmail: async () => {} })
    await request(plain).get('/dev/mailbox').expect(404)
    const page = await request(plain).get('/').expect(200)
    expect(page.text).not.toContain('data-testid="mailbox"')
  })
})

describe('todos', () => {
  it('creates, lists and deletes the signed-in user’s todos', async () => {
    const token = await signIn(ALICE)
    const created = await request(app)
      .post('/api/todos')
      .set('token', token)
      .send({ title: '  Buy milk  ' })
      .expect(201)
    expect(created.body).toMatchObject({ title: 'Buy milk' })
    const todoId = created.body.id as string

    const list = await request(app).get('/api/todos').set('token', token).expect(200)
    expect(list.body.todos.map((t: { id: string }) => t.id)).toContain(todoId)

    await request(app).delete(`/api/todos/${todoId}`).set('token', token).expect(204)
    const after = await request(app).get('/api/todos').set('token', token).expect(200)
    expect(after.body.todos.map((t: { id: string }) => t.id)).not.toContain(todoId)
  })

  it('rejects an empty or too long title with a readable problem', async () => {
    const token = await signIn(ALICE)
    for (const title of ['', '   ', 'x'.repeat(201), 42]) {
      const res = await request(app)
        .post('/api/todos')
        .set('token', token)
        .send({ title })
        .expect(400)
      expect(res.type).toBe('application/problem+json')
      expect(res.body).toMatchObject({ code: 'invalid_request' })
      expect(res.body.detail).toMatch(/title/)
    }
  })

  it('hides one user’s todos from another, who can neither see nor delete them', async () => {
    const alice = await signIn(ALICE)
    const bob = await signIn(BOB)
    const created = await request(app)
      .post('/api/todos')
      .set('token', alice)
      .send({ title: 'Alice’s secret plan' })
      .expect(201)
    const todoId = created.body.id as string

    const bobs = await request(app).get('/api/todos').set('token', bob).expect(200)
    expect(bobs.body.todos.map((t: { id: string }) => t.id)).not.toContain(todoId)
    expect(JSON.stringify(bobs.body)).not.toContain('secret plan')

    await request(app).delete('/api/todos/not-a-uuid').set('token', bob).expect(404)
    const res = await request(app).delete(`/api/todos/${todoId}`).set('token', bob).expect(404)
    expect(res.type).toBe('application/problem+json')

    const alices = await request(app).get('/api/todos').set('token', alice).expect(200)
    expect(alices.body.todos.map((t: { id: string }) => t.id)).toContain(todoId)
    // And the data really is there, seen as admin.
    const all = (await db.query({ todos: {} })) as { todos: { id: string }[] }
    expect(all.todos.map((t) => t.id)).toContain(todoId)
  })
})

describe('sign-out', () => {
  it('revokes the token: /api/me answers 401 invalid_token afterwards', async () => {
    const token = await signIn(BOB)
    await request(app).get('/api/me').set('token', token).expect(200)
    await request(app).post('/sign-out').set('token', token).expect(204)
    const res = await request(app).get('/api/me').set('token', token).expect(401)
    expect(res.type).toBe('application/problem+json')
    expect(res.body.code).toBe('invalid_token')
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/)
  })
})

describe('a token revoked elsewhere while its verification is still cached', () => {
  it('gets 401 invalid_token from the user-scoped db, not a 500', async () => {
    const token = await signIn(ALICE)
    await request(app).get('/api/me').set('token', token).expect(200)
    await db.auth.signOut({ refresh_token: token })
    const res = await request(app).get('/api/todos').set('token', token).expect(401)
    expect(res.body.code).toBe('invalid_token')
    expect(JSON.stringify(res.body)).not.toContain(token)
  })
})

describe('startDemo', () => {
  it('starts Local Instant and the app, prints one URL and the accounts, and closes cleanly', async () => {
    const lines: string[] = []
    const demo = await startDemo({
      port: 0,
      host: '127.0.0.1',
      dbPath: ':memory:',
      log: (line) => lines.push(line),
    })
    try {
      expect(demo.url).toBe(`http://127.0.0.1:${demo.port}`)
      const output = lines.join('\n')
      expect(output.match(/https?:\/\/\S+/g)).toEqual([demo.url])
      expect(output).toContain('alice@example.com')
      const page = await fetch(demo.url)
      expect(page.status).toBe(200)
      const signIn = await fetch(`${demo.url}/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(demo.accounts[0]),
      })
      expect(signIn.status).toBe(200)
    } finally {
      await demo.close()
    }
    await expect(fetch(demo.url)).rejects.toThrow()
  })
})
