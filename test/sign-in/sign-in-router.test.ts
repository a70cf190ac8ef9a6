/** `signInRouter`: POST /sign-in over Express 5, Express 4 and Connect, against Local Instant. */
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { KitError, memoryStore, requireInstantUser, signInRouter } from '../../src/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import {
  DB_KINDS,
  FRAMEWORKS,
  createApp,
  json,
  makeDb,
  recordingLogger,
  useLocalInstant,
  expectKitHeaders,
  GENERIC_401,
} from '../helpers.js'

const localInstant = useLocalInstant()

describe.each(FRAMEWORKS)('signInRouter on %s', (framework) => {
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
})

describe.each(FRAMEWORKS)('signInRouter rate limits on %s', (framework) => {
  let db: InstantAuthDb
  beforeAll(() => {
    db = makeDb('ours', localInstant())
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
    // A store other processes may share needs the key its emails are written under.
    const authenticate = () => null
    expect(() =>
      signInRouter({ db, authenticate, rateLimit: { failuresPerEmail: { limit: 2, store } } }),
    ).toThrow(
      /^signInRouter\(\): `codeSecret` is required when `rateLimit\.failuresPerEmail` has its own `store`/,
    )
    expect(() => signInRouter({ db, authenticate, store: { ...memoryStore() } })).toThrow(
      /^signInRouter\(\): `codeSecret` is required with a store other than memoryStore\(\): instances sharing the store must share the key its emails and IPs are written under/,
    )
    const app = createApp(framework)
    app.use(
      signInRouter({
        db,
        authenticate: (req) =>
          req.body['password'] === 'right' ? { email: String(req.body['email']) } : null,
        rateLimit: { failuresPerEmail: { limit: 2, store } },
        codeSecret: 'test-only-rate-limit-secret-0123456789abcdef',
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
