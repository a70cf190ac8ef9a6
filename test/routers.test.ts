import express5 from 'express'
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  KitError,
  magicCodeRouter,
  requireInstantUser,
  signInRouter,
  signOutRouter,
} from '../src/index.js'
import type { InstantAuthDb } from '../src/instant/instant-db.js'
import type { KitEvent } from '../src/options/events.js'
import {
  DB_KINDS,
  FRAMEWORKS,
  createApp,
  json,
  makeDb,
  recordingLogger,
  useLocalInstant,
} from './helpers.js'

const localInstant = useLocalInstant()

const GENERIC_401 = {
  type: 'urn:instant-express-auth:error:invalid_credentials',
  title: 'Invalid credentials',
  status: 401,
  detail: 'Sign-in failed.',
  code: 'invalid_credentials',
}

function expectKitHeaders(res: request.Response): void {
  expect(res.headers['cache-control']).toBe('no-store')
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.headers['x-frame-options']).toBe('SAMEORIGIN')
  expect(res.headers['content-security-policy']).toContain("default-src 'self'")
}

describe.each(FRAMEWORKS)('routers on %s', (framework) => {
  describe.each(DB_KINDS)('with db = %s client', (dbKind) => {
    let db: InstantAuthDb
    const tag = `${framework}-${dbKind}`
    beforeAll(() => {
      db = makeDb(dbKind, localInstant())
    })

    function signInApp(options: Partial<Parameters<typeof signInRouter>[0]> = {}) {
      const app = createApp(framework)
      app.use(
        signInRouter({
          db,
          rateLimit: false,
          authenticate: (req) =>
            req.body['password'] === 'right' ? { email: String(req.body['email']) } : null,
          ...options,
        }),
      )
      app.route('GET', '/me', requireInstantUser({ db }), (req, res) =>
        json(res, 200, req.instant.user),
      )
      return app
    }

    describe('signInRouter', () => {
      it('signs in: 200 { token } that verifies as that user, with kit headers', async () => {
        const app = signInApp()
        const res = await request(app.handler)
          .post('/sign-in')
          .send({ email: ` Sign-In-${tag}@Example.com `, password: 'right' })
          .expect(200)
        expect(Object.keys(res.body)).toEqual(['token'])
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
        expectKitHeaders(res)
        const me = await request(app.handler).get('/me').set('token', res.body.token).expect(200)
        expect(me.body.email).toBe(`sign-in-${tag}@example.com`)
      })

      it('refused, null or KitError invalid_credentials → the same generic 401', async () => {
        const refused = await request(signInApp().handler)
          .post('/sign-in')
          .send({ email: `x-${tag}@example.com`, password: 'wrong' })
          .expect(401)
        expect(refused.body).toEqual(GENERIC_401)
        expectKitHeaders(refused)
        const thrown = await request(
          signInApp({
            authenticate: () => {
              throw new KitError('invalid_credentials', { detail: 'user has no password' })
            },
          }).handler,
        )
          .post('/sign-in')
          .send({})
          .expect(401)
        expect(thrown.body).toEqual(GENERIC_401)
        const odd = await request(signInApp({ authenticate: () => ({ nope: 1 }) as any }).handler)
          .post('/sign-in')
          .expect(401)
        expect(odd.body).toEqual(GENERIC_401)
      })

      it('authenticate throwing auth_unavailable → 503', async () => {
        const res = await request(
          signInApp({
            authenticate: async () => {
              throw new KitError('auth_unavailable', { headers: { 'Retry-After': '5' } })
            },
          }).handler,
        )
          .post('/sign-in')
          .send({})
          .expect(503)
        expect(res.body.code).toBe('auth_unavailable')
        expect(res.headers['retry-after']).toBe('5')
      })

      it('auth_unavailable without Retry-After gets one; a given one is kept', async () => {
        for (const [headers, expected] of [
          [undefined, '5'],
          [{ 'Retry-After': '30' }, '30'],
        ] as const) {
          const res = await request(
            signInApp({
              authenticate: async () => {
                throw new KitError('auth_unavailable', headers ? { headers } : {})
              },
            }).handler,
          )
            .post('/sign-in')
            .send({})
            .expect(503)
          expect(res.body.code).toBe('auth_unavailable')
          expect(res.headers['retry-after']).toBe(expected)
        }
      })

      it('allowSignUp: false refuses unknown users with the same 401 and creates nobody', async () => {
        const app = signInApp({ allowSignUp: false })
        const email = `nobody-${tag}@example.com`
        const res = await request(app.handler)
          .post('/sign-in')
          .send({ email, password: 'right' })
          .expect(401)
        expect(res.body).toEqual(GENERIC_401)
        expect(await db.auth.getUser({ email })).toBeNull()
        await db.auth.createToken({ email })
        await request(app.handler).post('/sign-in').send({ email, password: 'right' }).expect(200)
      })

      it('signs in by id', async () => {
        const email = `byid-${tag}@example.com`
        await db.auth.createToken({ email })
        const user = await db.auth.getUser({ email })
        const app = signInApp({ authenticate: () => ({ id: user!.id }) })
        const res = await request(app.handler).post('/sign-in').expect(200)
        expect((await db.auth.verifyToken(res.body.token)).email).toBe(email)
      })

      it('malformed JSON and oversized bodies → 400 invalid_request', async () => {
        const app = signInApp({ bodyLimit: 64 })
        const bad = await request(app.handler)
          .post('/sign-in')
          .set('content-type', 'application/json')
          .send('{"email": ')
          .expect(400)
        expect(bad.body.code).toBe('invalid_request')
        const array = await request(app.handler).post('/sign-in').send([1, 2]).expect(400)
        expect(array.body.code).toBe('invalid_request')
        const big = await request(app.handler)
          .post('/sign-in')
          .send({ email: 'a@b.co', pad: 'x'.repeat(200) })
          .expect(400)
        expect(big.body.detail).toBe('The body is too large.')
      })

      it('other methods and paths go on to the next handler', async () => {
        const app = signInApp()
        app.use((req, res) => json(res, 418, { passed: req.url }))
        const res = await request(app.handler).get('/sign-in').expect(418)
        expect(res.body).toEqual({ passed: '/sign-in' })
        await request(app.handler).post('/sign-in-other').expect(418)
      })

      it('a wrong admin token → 500 instant_misconfigured with a fix-it log and no secret', async () => {
        const badAdmin = '99999999-9999-4999-8999-999999999999'
        const wrong = makeDb(dbKind, { ...localInstant(), adminToken: badAdmin })
        const logger = recordingLogger()
        const app = createApp(framework)
        app.use(
          signInRouter({
            db: wrong,
            logger,
            rateLimit: false,
            authenticate: () => ({ email: 'a@b.co' }),
          }),
        )
        const res = await request(app.handler).post('/sign-in').expect(500)
        expect(res.body.code).toBe('instant_misconfigured')
        expect(res.text).not.toContain(badAdmin)
        expect(logger.lines).toHaveLength(1)
        expect(logger.lines[0]).toContain('INSTANT_APP_ADMIN_TOKEN')
        expect(logger.lines[0]).toContain('INSTANT_APP_ID')
        expect(logger.lines[0]).toContain('INSTANT_API_URI')
        expect(logger.lines[0]).not.toContain(badAdmin)
      })

      it('an identity Instant refuses (authenticate returned a non-UUID id) → 500 internal_error, logged', async () => {
        const logger = recordingLogger()
        const app = createApp(framework)
        app.use(
          signInRouter({
            db,
            logger,
            rateLimit: false,
            authenticate: () => ({ id: 'not-a-uuid' }),
          }),
        )
        const res = await request(app.handler).post('/sign-in').expect(500)
        expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
        expect(res.body.code).toBe('internal_error')
        expect(logger.lines).toEqual([
          expect.stringContaining('Instant refused the identity authenticate() returned'),
        ])
      })
    })

    describe('magicCodeRouter', () => {
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

    describe('signOutRouter', () => {
      function outApp(options: Partial<Parameters<typeof signOutRouter>[0]> = {}) {
        const app = createApp(framework)
        app.use(signOutRouter({ db, ...options }))
        app.route('GET', '/me', requireInstantUser({ db }), (req, res) =>
          json(res, 200, req.instant.user),
        )
        return app
      }

      it('needs a token', async () => {
        const res = await request(outApp().handler).post('/sign-out').expect(401)
        expect(res.body.code).toBe('missing_token')
        expect(res.headers['www-authenticate']).toBe('Bearer realm="instant"')
      })

      it('revokes the token and evicts it from the cache: the next request is 401', async () => {
        const app = outApp()
        const token = await db.auth.createToken({ email: `out-${tag}@example.com` })
        await request(app.handler).get('/me').set('token', token).expect(200) // now cached
        const res = await request(app.handler)
          .post('/sign-out')
          .set('authorization', `Bearer ${token}`)
          .expect(204)
        expect(res.text).toBe('')
        expectKitHeaders(res)
        const after = await request(app.handler).get('/me').set('token', token).expect(401)
        expect(after.body.code).toBe('invalid_token')
      })

      it("scope: 'all' revokes every session of the user", async () => {
        const app = outApp({ path: '/sign-out-everywhere', scope: 'all' })
        const email = `all-${tag}@example.com`
        const one = await db.auth.createToken({ email })
        const two = await db.auth.createToken({ email })
        await request(app.handler).get('/me').set('token', two).expect(200)
        await request(app.handler).post('/sign-out-everywhere').set('token', one).expect(204)
        await request(app.handler).get('/me').set('token', two).expect(401)
        await request(app.handler).get('/me').set('token', one).expect(401)
      })
    })
  })
})

describe.each(FRAMEWORKS)('rate limits on %s', (framework) => {
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

  it('sign-in failures per email, with any express-rate-limit store', async () => {
    const hits = new Map<string, number>()
    const store = {
      increment: (key: string) => {
        hits.set(key, (hits.get(key) ?? 0) + 1)
        return { totalHits: hits.get(key)!, resetTime: new Date(Date.now() + 60_000) }
      },
      decrement: (key: string) => void hits.set(key, (hits.get(key) ?? 1) - 1),
      resetKey: (key: string) => void hits.delete(key),
    }
    const events: unknown[] = []
    const app = createApp(framework)
    app.use(
      signInRouter({
        db,
        authenticate: (req) =>
          req.body['password'] === 'right' ? { email: String(req.body['email']) } : null,
        rateLimit: { failuresPerEmail: { limit: 2, store } },
        onEvent: (e) => void events.push(e),
      }),
    )
    const email = `limited-${framework}@example.com`
    await request(app.handler).post('/sign-in').send({ email, password: 'right' }).expect(200)
    await request(app.handler).post('/sign-in').send({ email, password: 'x' }).expect(401)
    await request(app.handler).post('/sign-in').send({ email, password: 'x' }).expect(401)
    const res = await request(app.handler)
      .post('/sign-in')
      .send({ email, password: 'right' })
      .expect(429)
    expect(res.body.code).toBe('rate_limited')
    expect(
      [...hits.keys()].every((k) => k.startsWith('iea:sign-in-email:e:') && !k.includes(email)),
    ).toBe(true)
    expect(events).toContainEqual({
      type: 'rate_limited',
      limiter: 'sign-in-email',
      emailDomain: 'example.com',
    })
  })
})

describe('body parsers and error handlers', () => {
  it('uses the body an express.json() parser already read', async () => {
    const db = makeDb('ours', localInstant())
    const app = express5()
    app.use(express5.json())
    app.use(
      signInRouter({
        db,
        rateLimit: false,
        authenticate: (req) => ({ email: String(req.body['email']) }),
      }),
    )
    const res = await request(app)
      .post('/sign-in')
      .send({ email: 'parsed@example.com' })
      .expect(200)
    expect(res.body.token).toEqual(expect.any(String))
  })

  it("onError: 'next' with Express's default handler keeps the status and Retry-After", async () => {
    const db = makeDb('ours', localInstant())
    const app = express5()
    app.use(
      signInRouter({
        db,
        onError: 'next',
        rateLimit: false,
        authenticate: () => {
          throw new KitError('auth_unavailable', { headers: { 'Retry-After': '5' } })
        },
      }),
    )
    const res = await request(app).post('/sign-in').expect(503)
    expect(res.headers['retry-after']).toBe('5')
  })
})

describe('router options', () => {
  const routers = {
    signInRouter: (o: Record<string, unknown>) =>
      signInRouter({ authenticate: () => null, ...o } as any),
    magicCodeRouter: (o: Record<string, unknown>) =>
      magicCodeRouter({ sendEmail: () => {}, ...o } as any),
    signOutRouter: (o: Record<string, unknown>) => signOutRouter(o as any),
  }

  it.each(Object.entries(routers))('%s validates the shared options once', (name, make) => {
    const db = makeDb('ours', localInstant())
    expect(() => make({})).toThrow(/`db`/)
    expect(() => make({ db, onError: 'throw' })).toThrow(/`onError`/)
    expect(() => make({ db, helmet: 'yes' })).toThrow(/`helmet`/)
    expect(() => make({ db, logger: {} })).toThrow(/`logger`/)
    expect(() => make({ db, onEvent: 'log' })).toThrow(/`onEvent`/)
    for (const bad of [0, -1, Number.NaN, '100', 2 ** 31]) {
      expect(() => make({ db, instantTimeoutMs: bad })).toThrow(/`instantTimeoutMs`/)
    }
    expect(() => make({ db, path: 'no-slash' })).toThrow(/`path`/)
    expect(() => (routers[name as keyof typeof routers] as any)(undefined)).toThrow(TypeError)
  })

  it('catches a router factory passed to app.use() uncalled', () => {
    const req = { headers: {}, method: 'POST', url: '/sign-in' }
    for (const factory of [signInRouter, magicCodeRouter, signOutRouter]) {
      expect(() => (factory as any)(req, {}, () => {})).toThrow(
        `It looks like you did app.use(${factory.name})`,
      )
    }
  })

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

  it('signOutRouter validates `cache` whatever the scope', () => {
    const db = makeDb('ours', localInstant())
    for (const scope of ['session', 'all'] as const) {
      expect(() => signOutRouter({ db, scope, cache: { ttlMs: -1 } })).toThrow(/`cache.ttlMs`/)
      expect(() => signOutRouter({ db, scope, cache: null as any })).toThrow(/`cache`/)
      expect(() => signOutRouter({ db, scope, cache: false })).not.toThrow()
    }
  })
})
