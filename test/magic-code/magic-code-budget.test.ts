import { createHash } from 'node:crypto'
/**
 * Issue 11 items 1 and 2: the magic-code guessing budget (the kit's own record of the code it
 * issued) and lockout resistance (an attacker without the victim's IP cannot lock them out).
 * A counting proxy between the kit and Local Instant shows which guesses reach Instant; client
 * IPs come from X-Forwarded-For under Express's `trust proxy`.
 */
import { createServer, request as httpRequest, type Server } from 'node:http'
import express from 'express'
import request from 'supertest'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { init } from '../../src/admin/index.js'
import { magicCodeRouter, memoryStore, signInRouter, type StateStore } from '../../src/index.js'
import {
  DAILY_WINDOW_MS,
  DEFAULT_CODE_ATTEMPTS,
  DEFAULT_DAILY_ATTEMPTS_PER_CLIENT,
  DEFAULT_DAILY_ATTEMPTS_PER_EMAIL,
  DEFAULT_DAILY_SENDS_PER_EMAIL,
} from '../../src/magic-code/magic-code-records.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import type { KitEvent } from '../../src/options/events.js'
import { memoryEmail } from '../../src/email/index.js'
import {
  FRAMEWORKS,
  close,
  createApp,
  listen,
  recordingLogger,
  useLocalInstant,
} from '../helpers.js'

const localInstant = useLocalInstant()
const VERIFY_PATH = '/admin/verify_magic_code'

/** Forwards to Local Instant and counts requests per path. */
let proxy: Server
let proxyURI: string
const calls = new Map<string, number>()
const verifyCalls = (): number => calls.get(VERIFY_PATH) ?? 0

beforeAll(async () => {
  const target = localInstant().apiURI
  proxy = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!
    calls.set(path, (calls.get(path) ?? 0) + 1)
    const upstream = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  proxyURI = await listen(proxy)
})
afterAll(() => close(proxy))
afterEach(() => void vi.useRealTimers())

function countedDb(): InstantAuthDb {
  const { appId, adminToken } = localInstant()
  return init({ appId, adminToken, apiURI: proxyURI }) as unknown as InstantAuthDb
}

/** A stand-in for the `openssl rand -base64 32` an app keeps with its secrets. */
const CODE_SECRET = 'test-only-magic-code-secret-0123456789abcdef'

let serial = 0
const freshEmail = (name: string): string => `${name}-${++serial}@example.com`

type Sent = { email: string; code: string; expiresInMs: number }

/** Express 5 behind "one proxy we trust": X-Forwarded-For names the client. */
function codeApp(options: Partial<Parameters<typeof magicCodeRouter>[0]> = {}) {
  const sent: Sent[] = []
  const app = express()
  app.set('trust proxy', true)
  app.use(
    magicCodeRouter({
      db: countedDb(),
      rateLimit: false,
      sendEmail: (m) => void sent.push(m),
      ...options,
    }),
  )
  const send = (email: string, ip = '10.0.0.1') =>
    request(app).post('/custom-send-magic-code').set('X-Forwarded-For', ip).send({ email })
  const verify = (email: string, code: string, ip = '10.0.0.1') =>
    request(app).post('/verify-magic-code').set('X-Forwarded-For', ip).send({ email, code })
  const lastCode = (): string => sent.at(-1)!.code
  const wrongFor = (code: string): string => (code === '000000' ? '111111' : '000000')
  return { app, sent, send, verify, lastCode, wrongFor }
}

describe.each(FRAMEWORKS)('only the code the kit issued last verifies (%s)', (framework) => {
  it('an older code answers 401 without a call to Instant; the latest verifies', async () => {
    const sent: Sent[] = []
    const app = createApp(framework)
    app.use(
      magicCodeRouter({ db: countedDb(), rateLimit: false, sendEmail: (m) => void sent.push(m) }),
    )
    const email = freshEmail(`latest-${framework}`)
    await request(app.handler).post('/custom-send-magic-code').send({ email }).expect(200)
    await request(app.handler).post('/custom-send-magic-code').send({ email }).expect(200)
    const [first, second] = sent
    const before = verifyCalls()
    const old = await request(app.handler)
      .post('/verify-magic-code')
      .send({ email, code: first!.code })
      .expect(401)
    expect(old.body.code).toBe('invalid_code')
    expect(old.headers['www-authenticate']).toBe('Bearer realm="instant"')
    expect(verifyCalls()).toBe(before)
    const ok = await request(app.handler)
      .post('/verify-magic-code')
      .send({ email, code: second!.code })
      .expect(200)
    expect(ok.body.user.email).toBe(email)
    expect(verifyCalls()).toBe(before + 1)
  })
})

describe('magic-code records', () => {
  it('wrong guesses, guesses with no code issued and reused codes never reach Instant', async () => {
    const { send, verify, lastCode, wrongFor } = codeApp()
    const email = freshEmail('no-instant')
    const before = verifyCalls()
    await verify(email, '123456').expect(401) // nothing issued to this email yet
    await send(email).expect(200)
    const code = lastCode()
    for (let i = 0; i < DEFAULT_CODE_ATTEMPTS - 1; i++)
      await verify(email, wrongFor(code)).expect(401)
    expect(verifyCalls()).toBe(before)
    await verify(email, code).expect(200)
    expect(verifyCalls()).toBe(before + 1)
    const reused = await verify(email, code).expect(401)
    expect(reused.body.code).toBe('invalid_code')
    expect(verifyCalls()).toBe(before + 1)
  })

  it('a code expires after codeTtlMs, and the default email says so in words', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const mailbox = memoryEmail()
    const { app } = codeApp({ codeTtlMs: 15_000, sendEmail: mailbox })
    const email = freshEmail('ttl')
    await request(app).post('/custom-send-magic-code').send({ email }).expect(200)
    expect(mailbox.messages[0]!.text).toContain('It expires in 15 seconds.')
    const code = mailbox.lastCodeFor(email)!
    vi.setSystemTime(Date.now() + 15_000)
    const before = verifyCalls()
    const late = await request(app).post('/verify-magic-code').send({ email, code }).expect(401)
    expect(late.body.code).toBe('invalid_code')
    expect(verifyCalls()).toBe(before)
  })

  it('the default email states the default validity, 10 minutes', async () => {
    const mailbox = memoryEmail({ magicCode: { expiryMinutes: 60 } })
    const { send } = codeApp({ sendEmail: mailbox })
    await send(freshEmail('ten')).expect(200)
    expect(mailbox.messages[0]!.text).toContain('It expires in 10 minutes.')
  })

  it(`${DEFAULT_CODE_ATTEMPTS} wrong attempts burn the code: the right one then fails; a new code works`, async () => {
    const { send, verify, lastCode, wrongFor } = codeApp()
    const email = freshEmail('burn')
    await send(email).expect(200)
    const code = lastCode()
    for (let i = 0; i < DEFAULT_CODE_ATTEMPTS; i++) await verify(email, wrongFor(code)).expect(401)
    const before = verifyCalls()
    const burned = await verify(email, code).expect(401)
    expect(burned.body.code).toBe('invalid_code')
    expect(verifyCalls()).toBe(before)
    await send(email).expect(200)
    await verify(email, lastCode()).expect(200)
  })

  it('codeAttempts is configurable', async () => {
    const { send, verify, lastCode, wrongFor } = codeApp({ codeAttempts: 1 })
    const email = freshEmail('one-try')
    await send(email).expect(200)
    await verify(email, wrongFor(lastCode())).expect(401)
    await verify(email, lastCode()).expect(401)
  })

  it('two concurrent right answers: one token, one 401', async () => {
    const { send, verify, lastCode } = codeApp()
    const email = freshEmail('race')
    await send(email).expect(200)
    const code = lastCode()
    const answers = await Promise.all([
      verify(email, code),
      verify(email, code),
      verify(email, code),
    ])
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401, 401])
  })

  it(`daily ceiling: ${DEFAULT_DAILY_SENDS_PER_EMAIL} sends per email, even with rateLimit: false`, async () => {
    const events: KitEvent[] = []
    const { send } = codeApp({ onEvent: (e) => void events.push(e) })
    const email = freshEmail('sends')
    for (let i = 0; i < DEFAULT_DAILY_SENDS_PER_EMAIL; i++) {
      await send(email, `10.1.0.${i}`).expect(200)
    }
    const over = await send(email, '10.1.1.1').expect(429)
    expect(over.body.code).toBe('rate_limited')
    const retryAfter = Number(over.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(DAILY_WINDOW_MS / 1000 - 120)
    expect(retryAfter).toBeLessThanOrEqual(DAILY_WINDOW_MS / 1000)
    expect(events.at(-1)).toEqual({
      type: 'rate_limited',
      limiter: 'code-sends-day',
      emailDomain: 'example.com',
    })
    await send(freshEmail('other'), '10.1.1.1').expect(200)
  })

  it(`daily ceilings: ${DEFAULT_DAILY_ATTEMPTS_PER_CLIENT} attempts per client, ${DEFAULT_DAILY_ATTEMPTS_PER_EMAIL} per email from any number of IPs`, async () => {
    const { send, verify, lastCode, wrongFor } = codeApp()
    const email = freshEmail('daily')
    await send(email).expect(200)
    const wrong = wrongFor(lastCode())
    const before = verifyCalls()
    for (let i = 0; i < DEFAULT_DAILY_ATTEMPTS_PER_CLIENT; i++)
      await verify(email, wrong, '10.2.0.1').expect(401)
    const client = await verify(email, wrong, '10.2.0.1').expect(429)
    expect(client.body.code).toBe('rate_limited')
    // Other clients share the email's ceiling: 50 attempts in all, whatever the number of IPs.
    let ip = 2
    for (
      let made = DEFAULT_DAILY_ATTEMPTS_PER_CLIENT + 1;
      made < DEFAULT_DAILY_ATTEMPTS_PER_EMAIL;
      ip++
    ) {
      for (let i = 0; i < 10 && made < DEFAULT_DAILY_ATTEMPTS_PER_EMAIL; i++, made++) {
        await verify(email, wrong, `10.2.0.${ip}`).expect(401)
      }
    }
    const ceiling = await verify(email, wrong, '10.2.9.9').expect(429)
    expect(Number(ceiling.headers['retry-after'])).toBeGreaterThan(DAILY_WINDOW_MS / 1000 - 120)
    // Every code of the email is now refused for the day, the right one too: the price of the
    // bound (see docs/security.md, "Magic-code guessing budget").
    await send(email).expect(200)
    await verify(email, lastCode(), '10.2.9.10').expect(429)
    expect(verifyCalls()).toBe(before)
  })

  it('the store holds no email or code in clear, only iea: keys', async () => {
    const base = memoryStore()
    const keys: string[] = []
    const values: string[] = []
    const store: StateStore = {
      hit: (key, windowMs) => (keys.push(key), base.hit(key, windowMs)),
      put: (key, value, ttlMs) => (keys.push(key), values.push(value), base.put(key, value, ttlMs)),
      get: (key) => (keys.push(key), base.get(key)),
      take: (key) => (keys.push(key), base.take(key)),
      delete: (key) => (keys.push(key), base.delete(key)),
    }
    const { send, verify, lastCode, wrongFor } = codeApp({ store, codeSecret: CODE_SECRET })
    const email = freshEmail('opaque')
    await send(email).expect(200)
    const code = lastCode()
    await verify(email, wrongFor(code)).expect(401)
    await verify(email, code).expect(200)
    expect(keys.length).toBeGreaterThan(5)
    for (const key of keys) expect(key).toMatch(/^iea:[a-z-]+:[A-Za-z0-9_:-]+$/)
    const all = [...keys, ...values].join('\n')
    expect(all).not.toContain(email.split('@')[0])
    expect(all).not.toContain('10.0.0.1')
    // Values are the live marker and the record: an id, a keyed MAC and the issue time.
    const records = values.filter((v) => v !== '1').map((v) => JSON.parse(v))
    expect(records).toEqual([
      { id: expect.any(String), mac: expect.any(String), issuedAt: expect.any(Number) },
    ])
    expect(Object.values(records[0]).map(String)).not.toContain(code)
    expect(keys.join('\n')).not.toContain(code)
  })

  it('rotating codeSecret: a code sent under the previous key verifies on an instance that lists it second', async () => {
    const store = { ...memoryStore() } // stands for a shared store
    const NEW_SECRET = 'test-only-the-next-magic-code-secret-0123456789'
    const before = codeApp({ store, codeSecret: CODE_SECRET })
    const rotated = codeApp({ store, codeSecret: [NEW_SECRET, CODE_SECRET] })
    const after = codeApp({ store, codeSecret: NEW_SECRET })
    const email = freshEmail('rotate')
    await before.send(email).expect(200)
    await rotated.verify(email, before.wrongFor(before.lastCode())).expect(401)
    await rotated.verify(email, before.lastCode()).expect(200)
    // A code the rotated instance sends is written under the new key: the last step reads it.
    const next = freshEmail('rotate-next')
    await rotated.send(next).expect(200)
    await after.verify(next, rotated.lastCode()).expect(200)
    // And an instance that never knew the new key does not.
    const third = freshEmail('rotate-third')
    await rotated.send(third).expect(200)
    const res = await before.verify(third, rotated.lastCode()).expect(401)
    expect(res.body.code).toBe('invalid_code')
  })

  it('rate-limit keys name emails and IPs by HMACs under codeSecret, in any express-rate-limit store', async () => {
    const seen: string[] = []
    const hits = new Map<string, number>()
    const limiterStore = {
      increment: (key: string) => {
        seen.push(key)
        hits.set(key, (hits.get(key) ?? 0) + 1)
        return { totalHits: hits.get(key)!, resetTime: new Date(Date.now() + 60_000) }
      },
      decrement: (key: string) => void hits.set(key, (hits.get(key) ?? 1) - 1),
      resetKey: (key: string) => void hits.delete(key),
    }
    const own = { store: limiterStore }
    const limits = {
      sendsPerIp: own,
      resendCooldown: own,
      sendsPerEmail: own,
      verifyFailuresPerIp: own,
      verifyFailuresPerEmail: own,
      verifyFailuresPerClient: own,
    }
    expect(() => codeApp({ rateLimit: limits })).toThrow(
      /^magicCodeRouter\(\): `codeSecret` is required when `rateLimit\.sendsPerIp` has its own `store`/,
    )
    const { send, verify, lastCode, wrongFor } = codeApp({
      rateLimit: limits,
      codeSecret: CODE_SECRET,
    })
    const email = freshEmail('limit-keys')
    await send(email).expect(200)
    await verify(email, wrongFor(lastCode())).expect(401)
    expect(new Set(seen.map((key) => key.split(':').slice(0, 3).join(':')))).toEqual(
      new Set([
        'iea:send-ip:ip',
        'iea:send-cooldown:e',
        'iea:send-email:e',
        'iea:verify-ip:ip',
        'iea:verify-email:e',
        'iea:verify-client:c',
      ]),
    )
    const plain = createHash('sha256').update(email).digest('base64url').slice(0, 32)
    for (const key of seen) {
      expect(key).toMatch(/^iea:[a-z-]+:(ip|e|c):[\w-]{32}$/)
      expect(key).not.toContain(plain)
      expect(key).not.toContain('10.0.0')
    }
  })

  it('a failing store answers 503 auth_unavailable, logged by error name only', async () => {
    const logger = recordingLogger()
    const failing = new Error('redis at 10.9.9.9 refused password hunter2')
    const store: StateStore = {
      ...memoryStore(),
      hit: () => Promise.reject(failing),
      get: () => Promise.reject(failing),
    }
    const { send, verify } = codeApp({ store, logger, codeSecret: CODE_SECRET })
    const email = freshEmail('store-down')
    const sendRes = await send(email).expect(503)
    expect(sendRes.body.code).toBe('auth_unavailable')
    expect(sendRes.headers['retry-after']).toBe('5')
    const verifyRes = await verify(email, '123456').expect(503)
    expect(verifyRes.body.code).toBe('auth_unavailable')
    expect(logger.lines).toEqual([
      'error: instant-express-auth: the state store failed (Error); answering 503 auth_unavailable.',
      'error: instant-express-auth: the state store failed (Error); answering 503 auth_unavailable.',
    ])
  })

  it('one store shared by two routers (two instances): a code sent by one verifies on the other', async () => {
    const store = memoryStore()
    const a = codeApp({ store })
    const b = codeApp({ store })
    const email = freshEmail('shared')
    await a.send(email).expect(200)
    await b.verify(email, a.lastCode()).expect(200)
    // Without a shared store, each instance knows only its own codes.
    const c = codeApp()
    await a.send(freshEmail('unshared')).expect(200)
    await c.verify(a.sent.at(-1)!.email, a.lastCode()).expect(401)
  })

  it('the bound at defaults: any 7 days meet at most 8 daily windows; 8 × 50 / 9^6 ≤ 0.1 %', () => {
    // Instant draws 6 digits from 0–8 (9^6 = 531,441 codes), the smallest space of the two
    // backends (Local Instant draws 0–9). See docs/security.md, "Magic-code guessing budget".
    const probability = (8 * DEFAULT_DAILY_ATTEMPTS_PER_EMAIL) / 9 ** 6
    expect(probability).toBeLessThanOrEqual(0.001)
    expect(probability).toBeCloseTo(0.000753, 6)
  })

  it('validates its options at factory time', () => {
    const db = countedDb()
    const make = (o: Record<string, unknown>) => () =>
      magicCodeRouter({ db, sendEmail: () => {}, ...o } as Parameters<typeof magicCodeRouter>[0])
    for (const [bad, shown] of [
      [0, '0'],
      [-1, '-1'],
      [1.5, '1.5'],
      ['600000', 'a string'],
      [DAILY_WINDOW_MS + 1, '86400001'],
    ] as const) {
      expect(make({ codeTtlMs: bad })).toThrow(
        new TypeError(
          `magicCodeRouter(): \`codeTtlMs\` must be a positive whole number of milliseconds up to 86400000 (default 600000); got ${shown}.`,
        ),
      )
    }
    expect(make({ codeAttempts: 0 })).toThrow(
      new TypeError(
        'magicCodeRouter(): `codeAttempts` must be a positive integer (default 5); got 0.',
      ),
    )
    expect(make({ dailyLimits: 'many' })).toThrow(/`dailyLimits` must be an object/)
    for (const [name, fallback] of [
      ['sendsPerEmail', 20],
      ['attemptsPerEmail', 50],
      ['attemptsPerClient', 20],
    ] as const) {
      expect(make({ dailyLimits: { [name]: Number.POSITIVE_INFINITY } })).toThrow(
        new TypeError(
          `magicCodeRouter(): \`dailyLimits.${name}\` must be a positive integer (default ${fallback}); got Infinity.`,
        ),
      )
    }
    expect(make({ store: { get: () => undefined } })).toThrow(/`store` must be a state store/)
    // A store other than memoryStore() needs the shared key; a short one is refused unseen.
    const shared = { ...memoryStore() }
    expect(make({ store: shared })).toThrow(
      /^magicCodeRouter\(\): `codeSecret` is required with a store other than memoryStore\(\)/,
    )
    const short = 'only-twenty-six-bytes-long'
    expect(make({ store: shared, codeSecret: short })).toThrow(
      /`codeSecret` must be a string or Uint8Array of at least 32 bytes; got 26 bytes\. Make one with `openssl rand -base64 32`/,
    )
    try {
      make({ store: shared, codeSecret: short })()
    } catch (error) {
      expect(String(error)).not.toContain(short)
    }
    expect(make({ store: shared, codeSecret: CODE_SECRET })).not.toThrow()
    expect(make({ store: memoryStore() })).not.toThrow()
    expect(make({ codeTtlMs: 1, codeAttempts: 1, dailyLimits: { sendsPerEmail: 1 } })).not.toThrow()
  })
})

describe("lockout: an attacker without the victim's IP cannot lock the victim out", () => {
  it('magic codes: 5 wrong codes from one IP block that IP only', async () => {
    const { send, verify, lastCode } = codeApp({ rateLimit: undefined })
    const email = freshEmail('victim-code')
    for (let i = 0; i < 5; i++) await verify(email, '123456', '10.3.0.66').expect(401)
    const blocked = await verify(email, '123456', '10.3.0.66').expect(429)
    expect(blocked.body.code).toBe('rate_limited')
    // The victim, elsewhere, asks for a code and signs in.
    await send(email, '10.3.0.7').expect(200)
    const ok = await verify(email, lastCode(), '10.3.0.7').expect(200)
    expect(ok.body.user.email).toBe(email)
  })

  it('magic codes: the per-email ceiling (20 / 15 min) still stops many IPs together', async () => {
    const { verify } = codeApp({ rateLimit: undefined })
    const email = freshEmail('many-ips')
    for (let ip = 0; ip < 4; ip++) {
      for (let i = 0; i < 5; i++) await verify(email, '123456', `10.4.0.${ip}`).expect(401)
    }
    await verify(email, '123456', '10.4.1.1').expect(429)
  })

  it('password sign-in: 5 failures from one IP block that IP only; 20 from four IPs block the email', async () => {
    const app = express()
    app.set('trust proxy', true)
    app.use(
      signInRouter({
        db: countedDb(),
        authenticate: (req) =>
          req.body['password'] === 'right' ? { email: String(req.body['email']) } : null,
      }),
    )
    const signIn = (email: string, password: string, ip: string) =>
      request(app).post('/sign-in').set('X-Forwarded-For', ip).send({ email, password })
    const email = freshEmail('victim-password')
    for (let i = 0; i < 5; i++) await signIn(email, 'guess', '10.5.0.66').expect(401)
    await signIn(email, 'right', '10.5.0.66').expect(429)
    await signIn(email, 'right', '10.5.0.7').expect(200)
    // The documented trade-off: enough IPs together reach the per-email ceiling.
    for (let ip = 1; ip < 4; ip++) {
      for (let i = 0; i < 5; i++) await signIn(email, 'guess', `10.5.1.${ip}`).expect(401)
    }
    await signIn(email, 'right', '10.5.0.8').expect(429)
  })
})
