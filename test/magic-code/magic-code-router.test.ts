/** `magicCodeRouter`: send and verify a magic code over Express 5, Express 4 and Connect, against Local Instant. */
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { magicCodeRouter, requireInstantUser } from '../../src/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import type { KitEvent } from '../../src/options/events.js'
import {
  DB_KINDS,
  FRAMEWORKS,
  createApp,
  json,
  makeDb,
  recordingLogger,
  useLocalInstant,
  expectKitHeaders,
} from '../helpers.js'

const localInstant = useLocalInstant()

describe.each(FRAMEWORKS)('magicCodeRouter on %s', (framework) => {
  describe.each(DB_KINDS)('with db = %s client', (dbKind) => {
    let db: InstantAuthDb
    const tag = `${framework}-${dbKind}`
    beforeAll(() => {
      db = makeDb(dbKind, localInstant())
    })

    function codeApp(
      sent: { email: string; code: string }[],
      options: Partial<Parameters<typeof magicCodeRouter>[0]> = {},
    ) {
      const app = createApp(framework)
      app.use(
        magicCodeRouter({
          db,
          rateLimit: false,
          sendEmail: (m) => void sent.push(m),
          ...options,
        }),
      )
      app.route('GET', '/me', requireInstantUser({ db }), (req, res) =>
        json(res, 200, req.instant.user),
      )
      return app
    }

    it('sends a code to the normalised email and answers { sent: true }', async () => {
      const sent: { email: string; code: string }[] = []
      const app = codeApp(sent)
      const res = await request(app.handler)
        .post('/custom-send-magic-code')
        .send({ email: `  Code-${tag}@Example.COM` })
        .expect(200)
      expect(res.body).toEqual({ sent: true })
      expectKitHeaders(res)
      expect(sent).toEqual([
        {
          email: `code-${tag}@example.com`,
          code: expect.stringMatching(/^\d{6}$/),
          expiresInMs: 600_000,
        },
      ])
      expect(res.text).not.toContain(sent[0]!.code)
    })

    it('answers the same for known and unknown emails', async () => {
      const known = `known-${tag}@example.com`
      await db.auth.createToken({ email: known })
      const app = codeApp([])
      const a = await request(app.handler)
        .post('/custom-send-magic-code')
        .send({ email: known })
        .expect(200)
      const b = await request(app.handler)
        .post('/custom-send-magic-code')
        .send({ email: `unknown-${tag}@example.com` })
        .expect(200)
      expect(a.text).toBe(b.text)
      expect(Object.keys(a.headers).sort()).toEqual(Object.keys(b.headers).sort())
    })

    it('bad emails → 400 invalid_request', async () => {
      const app = codeApp([])
      for (const email of ['nope', '', 42, null]) {
        const res = await request(app.handler)
          .post('/custom-send-magic-code')
          .send({ email })
          .expect(400)
        expect(res.body.code).toBe('invalid_request')
      }
      await request(app.handler).post('/custom-send-magic-code').expect(400)
    })

    it('a failing provider → 503 email_unavailable, logged without code or key', async () => {
      const logger = recordingLogger()
      let code = ''
      const app = codeApp([], {
        logger,
        sendEmail: ({ code: c }) => {
          code = c
          throw new Error(`provider said no to ${c} with key sk_live_123`)
        },
      })
      const res = await request(app.handler)
        .post('/custom-send-magic-code')
        .send({ email: `fail-${tag}@example.com` })
        .expect(503)
      expect(res.body.code).toBe('email_unavailable')
      expect(logger.lines).toEqual([
        'error: instant-express-auth: sendEmail failed (Error) for a @example.com address; answering 503 email_unavailable.',
      ])
      expect(res.text).not.toContain(code)
    })

    it('a provider that never answers → 503 email_unavailable after sendEmailTimeoutMs', async () => {
      const logger = recordingLogger()
      const events: KitEvent[] = []
      const app = codeApp([], {
        logger,
        onEvent: (event) => void events.push(event),
        sendEmailTimeoutMs: 100,
        sendEmail: () => new Promise<void>(() => {}),
      })
      const started = performance.now()
      const res = await request(app.handler)
        .post('/custom-send-magic-code')
        .send({ email: `hang-${tag}@example.com` })
        .expect(503)
      expect(performance.now() - started).toBeLessThan(5_000)
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expectKitHeaders(res)
      expect(res.body).toEqual({
        type: 'urn:instant-express-auth:error:email_unavailable',
        title: 'Email unavailable',
        status: 503,
        detail: 'The code could not be sent; try again shortly.',
        code: 'email_unavailable',
      })
      expect(logger.lines).toEqual([
        'error: instant-express-auth: sendEmail did not finish within 100 ms for a @example.com address; answering 503 email_unavailable.',
      ])
      expect(events.map((e) => e.type)).toEqual(['email_failed'])
    })

    it('verifies a code: 200 { token, user, created }; the token works', async () => {
      const sent: { email: string; code: string }[] = []
      const app = codeApp(sent)
      const email = `verify-${tag}@example.com`
      await request(app.handler).post('/custom-send-magic-code').send({ email }).expect(200)
      const res = await request(app.handler)
        .post('/verify-magic-code')
        .send({ email: email.toUpperCase(), code: sent[0]!.code })
        .expect(200)
      expect(Object.keys(res.body).sort()).toEqual(['created', 'token', 'user'])
      expect(res.body.created).toBe(true)
      expect(res.body.user).toEqual(expect.objectContaining({ email }))
      expect(res.body.user).not.toHaveProperty('refresh_token')
      expectKitHeaders(res)
      const me = await request(app.handler).get('/me').set('token', res.body.token).expect(200)
      expect(me.body.email).toBe(email)
    })

    it('wrong or reused code → 401 invalid_code; missing code → 400', async () => {
      const sent: { email: string; code: string }[] = []
      const app = codeApp(sent)
      const email = `wrong-${tag}@example.com`
      await request(app.handler).post('/custom-send-magic-code').send({ email }).expect(200)
      const wrongCode = sent[0]!.code === '000000' ? '111111' : '000000'
      const wrong = await request(app.handler)
        .post('/verify-magic-code')
        .send({ email, code: wrongCode })
        .expect(401)
      expect(wrong.body.code).toBe('invalid_code')
      // Every 401 carries a challenge (RFC 9110 §15.5.2).
      expect(wrong.headers['www-authenticate']).toBe('Bearer realm="instant"')
      await request(app.handler)
        .post('/verify-magic-code')
        .send({ email, code: sent[0]!.code })
        .expect(200)
      const reused = await request(app.handler)
        .post('/verify-magic-code')
        .send({ email, code: sent[0]!.code })
        .expect(401)
      expect(reused.body.code).toBe('invalid_code')
      const missing = await request(app.handler)
        .post('/verify-magic-code')
        .send({ email })
        .expect(400)
      expect(missing.body.code).toBe('invalid_request')
    })
  })
})

describe.each(FRAMEWORKS)('magicCodeRouter rate limits on %s', (framework) => {
  let db: InstantAuthDb
  beforeAll(() => {
    db = makeDb('ours', localInstant())
  })

  it('resend cooldown: a second code within 30 s → 429 rate_limited with Retry-After and RateLimit headers', async () => {
    const app = createApp(framework)
    app.use(magicCodeRouter({ db, sendEmail: () => {} }))
    const email = `cooldown-${framework}@example.com`
    await request(app.handler).post('/custom-send-magic-code').send({ email }).expect(200)
    const res = await request(app.handler)
      .post('/custom-send-magic-code')
      .send({ email: email.toUpperCase() })
      .expect(429)
    expect(res.body).toEqual({
      type: 'urn:instant-express-auth:error:rate_limited',
      title: 'Too many requests',
      status: 429,
      detail: 'Too many requests; try again later.',
      code: 'rate_limited',
    })
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(30)
    expect(res.headers['ratelimit-policy']).toBe('1;w=30')
    expect(res.headers['ratelimit']).toMatch(/^limit=1, remaining=0, reset=\d+$/)
    expectKitHeaders(res)
    // Another email is not affected.
    await request(app.handler)
      .post('/custom-send-magic-code')
      .send({ email: `other-${framework}@example.com` })
      .expect(200)
  })

  it("standardHeaders: 'draft-8' works here too", async () => {
    const app = createApp(framework)
    app.use(
      magicCodeRouter({
        db,
        sendEmail: () => {},
        rateLimit: {
          resendCooldown: { standardHeaders: 'draft-8' },
          sendsPerEmail: false,
          sendsPerIp: false,
        },
      }),
    )
    const email = `draft8-${framework}@example.com`
    const first = await request(app.handler)
      .post('/custom-send-magic-code')
      .send({ email })
      .expect(200)
    expect(first.headers['ratelimit']).toMatch(/^"1-in-30sec"; r=0; t=\d+$/)
    const res = await request(app.handler)
      .post('/custom-send-magic-code')
      .send({ email })
      .expect(429)
    expect(res.headers['ratelimit-policy']).toMatch(/^"1-in-30sec"; q=1; w=30; pk=:[^:]+:$/)
    expect(res.headers['ratelimit-policy']).not.toContain(email)
  })

  it('sends per IP', async () => {
    const app = createApp(framework)
    app.use(magicCodeRouter({ db, sendEmail: () => {}, rateLimit: { sendsPerIp: { limit: 2 } } }))
    await request(app.handler)
      .post('/custom-send-magic-code')
      .send({ email: `ip1-${framework}@example.com` })
      .expect(200)
    await request(app.handler)
      .post('/custom-send-magic-code')
      .send({ email: `ip2-${framework}@example.com` })
      .expect(200)
    const res = await request(app.handler)
      .post('/custom-send-magic-code')
      .send({ email: `ip3-${framework}@example.com` })
      .expect(429)
    expect(res.body.code).toBe('rate_limited')
  })

  it('5 wrong codes from one IP block that client for the email, even for the right code', async () => {
    const sent: { code: string }[] = []
    const app = createApp(framework)
    app.use(magicCodeRouter({ db, sendEmail: (m) => void sent.push(m) }))
    const email = `brute-${framework}@example.com`
    await request(app.handler).post('/custom-send-magic-code').send({ email }).expect(200)
    const wrong = sent[0]!.code === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++) {
      await request(app.handler).post('/verify-magic-code').send({ email, code: wrong }).expect(401)
    }
    const blocked = await request(app.handler)
      .post('/verify-magic-code')
      .send({ email, code: sent[0]!.code })
      .expect(429)
    expect(blocked.body.code).toBe('rate_limited')
    expect(blocked.headers['retry-after']).toEqual(expect.any(String))
  })
})

describe('magicCodeRouter options', () => {
  it('magicCodeRouter: sendEmailTimeoutMs must be a positive number of ms', () => {
    const db = makeDb('ours', localInstant())
    for (const [bad, shown] of [
      [0, '0'],
      [-5, '-5'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      ['15000', 'a string'],
      [2 ** 31, '2147483648'],
    ] as const) {
      expect(() =>
        magicCodeRouter({ db, sendEmail: () => {}, sendEmailTimeoutMs: bad as any }),
      ).toThrow(
        new TypeError(
          `magicCodeRouter(): \`sendEmailTimeoutMs\` must be a positive number of milliseconds up to 2147483647 (default 15000); got ${shown}.`,
        ),
      )
    }
    expect(() => magicCodeRouter({ db, sendEmail: () => {}, sendEmailTimeoutMs: 1 })).not.toThrow()
  })
})
