/**
 * Cookie sessions over HTTP on Express 5, Express 4 and Connect, against Local Instant: the
 * exact Set-Cookie the routers write, the middleware reading it, and the CSRF defence.
 */
import express5 from 'express'
import express4 from 'express4'
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  magicCodeRouter,
  optionalInstantUser,
  requireInstantUser,
  signInRouter,
  signOutRouter,
  type CookieSetting,
} from '../../src/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import { FRAMEWORKS, createApp, json, makeDb, useLocalInstant } from '../helpers.js'

const localInstant = useLocalInstant()

const WEEK_S = 7 * 24 * 60 * 60
const CLEARED = 'Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT'
/** What every app below is addressed as (supertest's own Host is a random loopback port). */
const HOST = 'app.example.com'
const OWN = `http://${HOST}`
const CSRF_403 = {
  type: 'urn:instant-express-auth:error:csrf_rejected',
  title: 'Cross-origin request refused',
  status: 403,
  detail:
    'Cross-origin request refused: this route only accepts requests from the app’s own pages.',
  code: 'csrf_rejected',
}

describe.each(FRAMEWORKS)('cookie sessions on %s', (framework) => {
  let db: InstantAuthDb
  beforeAll(() => {
    db = makeDb('ours', localInstant())
  })

  /** Sign-in (password "right"), verify, sign-out and two protected routes, one cookie option. */
  function sessionApp(cookie: CookieSetting = 'sid', extra: Record<string, unknown> = {}) {
    const app = createApp(framework)
    const common = { db, cookie, ...extra }
    app.use(
      signInRouter({
        ...common,
        rateLimit: false,
        authenticate: (req) =>
          req.body['password'] === 'right' ? { email: String(req.body['email']) } : null,
      }),
    )
    app.use(
      magicCodeRouter({
        ...common,
        rateLimit: false,
        sendEmail: ({ email, code }) => void sentCodes.set(email, code),
      }),
    )
    const { tokenInBody: _ignored, ...readerOptions } = common as typeof common & {
      tokenInBody?: boolean
    }
    app.use(signOutRouter(readerOptions))
    const me = (req: any, res: any) => json(res, 200, { email: req.instant.user.email })
    app.route('GET', '/me', requireInstantUser(readerOptions), me)
    app.route('POST', '/action', requireInstantUser(readerOptions), me)
    app.route('POST', '/maybe', optionalInstantUser(readerOptions), (req: any, res: any) =>
      json(res, 200, { email: req.instant?.user.email ?? null }),
    )
    return app
  }

  /** Codes the apps' `sendEmail` delivered, by email: only a code the kit issued verifies. */
  const sentCodes = new Map<string, string>()

  /** Asks the app for a code, as a user would, and returns the one it sent. */
  async function issueCode(app: ReturnType<typeof sessionApp>, email: string) {
    await request(app.handler).post('/custom-send-magic-code').send({ email }).expect(200)
    return { code: sentCodes.get(email)! }
  }

  async function signIn(app: ReturnType<typeof sessionApp>, email: string) {
    const res = await request(app.handler)
      .post('/sign-in')
      .set('host', HOST)
      .set('sec-fetch-site', 'same-origin')
      .send({ email, password: 'right' })
      .expect(200)
    return { res, token: res.body.token as string }
  }

  describe('setting and clearing the cookie', () => {
    it('sign-in sets HttpOnly; Secure; SameSite=Lax; Path=/ and still answers { token }', async () => {
      const { res, token } = await signIn(sessionApp(), `set-${framework}@example.com`)
      expect(Object.keys(res.body)).toEqual(['token'])
      expect(res.headers['set-cookie']).toEqual([
        `sid=${token}; Path=/; Max-Age=${WEEK_S}; HttpOnly; Secure; SameSite=Lax`,
      ])
    })

    it('applies name, maxAgeMs, sameSite, domain and path exactly', async () => {
      const host = await signIn(
        sessionApp({ name: '__Host-sid', maxAgeMs: 3_600_000, sameSite: 'strict' }),
        `host-${framework}@example.com`,
      )
      expect(host.res.headers['set-cookie']).toEqual([
        `__Host-sid=${host.token}; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Strict`,
      ])
      const scoped = await signIn(
        sessionApp({ name: 'sid', domain: 'example.com', path: '/app' }),
        `scoped-${framework}@example.com`,
      )
      expect(scoped.res.headers['set-cookie']).toEqual([
        `sid=${scoped.token}; Domain=example.com; Path=/app; Max-Age=${WEEK_S}; HttpOnly; Secure; SameSite=Lax`,
      ])
    })

    it('secure: false drops Secure on plain-http loopback only', async () => {
      const app = sessionApp({ name: 'sid', secure: false })
      const body = { email: `dev-${framework}@example.com`, password: 'right' }
      const loopback = await request(app.handler).post('/sign-in').send(body).expect(200)
      expect(loopback.headers['set-cookie']).toEqual([
        `sid=${loopback.body.token}; Path=/; Max-Age=${WEEK_S}; HttpOnly; SameSite=Lax`,
      ])
      const remote = await request(app.handler)
        .post('/sign-in')
        .set('host', HOST)
        .send(body)
        .expect(200)
      expect(remote.headers['set-cookie']).toEqual([
        `sid=${remote.body.token}; Path=/; Max-Age=${WEEK_S}; HttpOnly; Secure; SameSite=Lax`,
      ])
    })

    it('tokenInBody: false keeps the token in the cookie alone', async () => {
      const app = sessionApp('sid', { tokenInBody: false })
      const email = `cookie-only-${framework}@example.com`
      const signedIn = await request(app.handler)
        .post('/sign-in')
        .set('host', HOST)
        .send({ email, password: 'right' })
        .expect(200, {})
      const cookie = signedIn.headers['set-cookie']![0]!
      expect(cookie).toMatch(/^sid=[0-9a-f-]{36}; Path=\/;/)
      const { code } = await issueCode(app, email)
      const verified = await request(app.handler)
        .post('/verify-magic-code')
        .set('host', HOST)
        .send({ email, code })
        .expect(200)
      expect(Object.keys(verified.body).sort()).toEqual(['created', 'user'])
      expect(verified.body.user).not.toHaveProperty('refresh_token')
      const issued = /^sid=([^;]+);/.exec(verified.headers['set-cookie']![0]!)![1]!
      expect(verified.text).not.toContain(issued)
      // The cookie alone authenticates.
      await request(app.handler).get('/me').set('cookie', `sid=${issued}`).expect(200, { email })
      expect(verified.headers['set-cookie']).toEqual([
        expect.stringMatching(
          /^sid=[0-9a-f-]{36}; Path=\/; Max-Age=604800; HttpOnly; Secure; SameSite=Lax$/,
        ),
      ])
    })

    it('verify-magic-code sets the cookie too, with the same token it answers', async () => {
      const app = sessionApp()
      const email = `verify-${framework}@example.com`
      const { code } = await issueCode(app, email)
      const res = await request(app.handler)
        .post('/verify-magic-code')
        .set('host', HOST)
        .set('origin', OWN)
        .send({ email, code })
        .expect(200)
      expect(res.headers['set-cookie']).toEqual([
        `sid=${res.body.token}; Path=/; Max-Age=${WEEK_S}; HttpOnly; Secure; SameSite=Lax`,
      ])
    })

    it('sign-out with the cookie revokes, evicts the cached entry and clears the cookie', async () => {
      const app = sessionApp()
      const { token } = await signIn(app, `out-${framework}@example.com`)
      const cookie = `sid=${token}`
      // Warm the verification cache first: sign-out must evict it.
      await request(app.handler).get('/me').set('cookie', cookie).expect(200)
      const out = await request(app.handler)
        .post('/sign-out')
        .set('host', HOST)
        .set('sec-fetch-site', 'same-origin')
        .set('cookie', cookie)
        .expect(204)
      expect(out.headers['set-cookie']).toEqual([
        `sid=; Path=/; ${CLEARED}; HttpOnly; Secure; SameSite=Lax`,
      ])
      const after = await request(app.handler).get('/me').set('cookie', cookie).expect(401)
      expect(after.body.code).toBe('invalid_token')
    })

    it('sign-out clears a __Host- cookie with its required attributes, and a revoked token’s cookie', async () => {
      const app = sessionApp({ name: '__Host-sid' })
      const { token } = await signIn(app, `out-host-${framework}@example.com`)
      await db.auth.signOut({ refresh_token: token })
      const out = await request(app.handler)
        .post('/sign-out')
        .set('host', HOST)
        .set('cookie', `__Host-sid=${token}`)
      expect(out.status).toBe(204)
      expect(out.headers['set-cookie']).toEqual([
        `__Host-sid=; Path=/; ${CLEARED}; HttpOnly; Secure; SameSite=Lax`,
      ])
      // scope 'all' must verify the token to find its user: 401, and the dead cookie goes anyway.
      const all = createApp(framework)
      all.use(signOutRouter({ db, cookie: 'sid', scope: 'all' }))
      const res = await request(all.handler)
        .post('/sign-out')
        .set('host', HOST)
        .set('cookie', `sid=${token}`)
        .expect(401)
      expect(res.body.code).toBe('invalid_token')
      expect(res.headers['set-cookie']).toEqual([
        `sid=; Path=/; ${CLEARED}; HttpOnly; Secure; SameSite=Lax`,
      ])
    })
  })

  describe('a dead token in the cookie', () => {
    it('requireInstantUser: 401 invalid_token and the cookie cleared; optionalInstantUser: signed out', async () => {
      const app = sessionApp()
      const { token } = await signIn(app, `dead-${framework}@example.com`)
      await db.auth.signOut({ refresh_token: token })
      const cleared = [`sid=; Path=/; ${CLEARED}; HttpOnly; Secure; SameSite=Lax`]
      const required = await request(app.handler)
        .get('/me')
        .set('host', HOST)
        .set('cookie', `sid=${token}`)
        .expect(401)
      expect(required.body.code).toBe('invalid_token')
      expect(required.headers['set-cookie']).toEqual(cleared)
      // Now answered from the negative cache: the same.
      const optional = await request(app.handler)
        .post('/maybe')
        .set('host', HOST)
        .set('sec-fetch-site', 'same-origin')
        .set('cookie', `sid=${token}`)
        .expect(200, { email: null })
      expect(optional.headers['set-cookie']).toEqual(cleared)
    })

    it('a dead token in a header is a 401 that leaves the cookie alone', async () => {
      const app = sessionApp()
      const { token } = await signIn(app, `dead-header-${framework}@example.com`)
      await db.auth.signOut({ refresh_token: token })
      for (const path of ['/maybe', '/action']) {
        const res = await request(app.handler)
          .post(path)
          .set('host', HOST)
          .set('token', token)
          .set('cookie', `sid=${token}`)
          .expect(401)
        expect(res.body.code).toBe('invalid_token')
        expect(res.headers['set-cookie']).toBeUndefined()
      }
    })
  })

  describe('reading the cookie, and CSRF', () => {
    let app: ReturnType<typeof sessionApp>
    let token: string
    let email: string
    beforeAll(async () => {
      app = sessionApp()
      email = `csrf-${framework}@example.com`
      token = (await signIn(app, email)).token
    })
    const withCookie = (test: request.Test) => test.set('host', HOST).set('cookie', `sid=${token}`)

    it('GET with the cookie is authenticated, whatever the origin', async () => {
      const res = await withCookie(request(app.handler).get('/me'))
        .set('sec-fetch-site', 'cross-site')
        .expect(200)
      expect(res.body).toEqual({ email })
    })

    it('same-origin unsafe requests with the cookie pass: Fetch Metadata, own Origin, no browser headers', async () => {
      for (const headers of [
        { 'sec-fetch-site': 'same-origin' },
        { 'sec-fetch-site': 'same-origin', origin: OWN },
        { origin: OWN },
        {},
      ]) {
        const res = await withCookie(request(app.handler).post('/action')).set(headers).expect(200)
        expect(res.body).toEqual({ email })
      }
    })

    it('cross-site unsafe request with the cookie → 403 csrf_rejected (Sec-Fetch-Site)', async () => {
      const res = await withCookie(request(app.handler).post('/action'))
        .set('sec-fetch-site', 'cross-site')
        .set('origin', 'https://evil.example')
        .type('form')
        .send('title=pwned')
        .expect(403)
      expect(res.type).toBe('application/problem+json')
      expect(res.body).toEqual(CSRF_403)
      expect(res.text).not.toContain(token)
      expect(res.headers['set-cookie']).toBeUndefined()
    })

    it('same-site (another port of this host) is refused too: SameSite=Lax does not stop it', async () => {
      const res = await withCookie(request(app.handler).post('/action'))
        .set('sec-fetch-site', 'same-site')
        .set('origin', `${OWN}:8081`)
        .expect(403)
      expect(res.body.code).toBe('csrf_rejected')
    })

    it('a foreign Origin without Fetch Metadata → 403 csrf_rejected', async () => {
      for (const origin of ['https://evil.example', 'null', `https://${HOST}`]) {
        const res = await withCookie(request(app.handler).post('/action'))
          .set('origin', origin)
          .expect(403)
        expect(res.body).toEqual(CSRF_403)
      }
    })

    it('optionalInstantUser refuses a cross-site unsafe request with the cookie, lets it through without', async () => {
      const refused = await withCookie(request(app.handler).post('/maybe'))
        .set('sec-fetch-site', 'cross-site')
        .expect(403)
      expect(refused.body.code).toBe('csrf_rejected')
      await request(app.handler)
        .post('/maybe')
        .set('sec-fetch-site', 'cross-site')
        .expect(200, { email: null })
    })

    it('a token in a header is unaffected by the origin', async () => {
      for (const header of [
        ['token', token],
        ['authorization', `Bearer ${token}`],
      ] as const) {
        const res = await request(app.handler)
          .post('/action')
          .set('host', HOST)
          .set(header[0], header[1])
          .set('sec-fetch-site', 'cross-site')
          .set('origin', 'https://other.example')
          .expect(200)
        expect(res.body).toEqual({ email })
      }
    })

    // Browsers attach these on their own (HTTP auth, intranet SSO): they are no header token, so
    // the cookie's token is the one used, and the cross-site request is a forgery.
    const AMBIENT = [
      'Basic dXNlcjpwYXNz',
      'Digest username="u", realm="r", nonce="n", uri="/action", response="x"',
      'Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag',
      'Bearer',
      'Bearer not a token',
    ]

    it.each(AMBIENT)(
      'Authorization: %s beside the cookie does not switch the CSRF check off',
      async (authorization) => {
        const res = await withCookie(request(app.handler).post('/action'))
          .set('authorization', authorization)
          .set('sec-fetch-site', 'cross-site')
          .set('origin', 'https://evil.example')
          .type('form')
          .send('title=pwned')
          .expect(403)
        expect(res.body).toEqual(CSRF_403)
        // The same request from the app's own page is the cookie's user.
        const own = await withCookie(request(app.handler).post('/action'))
          .set('authorization', authorization)
          .set('sec-fetch-site', 'same-origin')
          .expect(200)
        expect(own.body).toEqual({ email })
      },
    )

    it.each(AMBIENT)(
      'a cross-site POST /sign-out with Authorization: %s and the cookie is refused and revokes nothing',
      async (authorization) => {
        const victim = await signIn(app, `victim-${framework}@example.com`)
        const res = await request(app.handler)
          .post('/sign-out')
          .set('host', HOST)
          .set('cookie', `sid=${victim.token}`)
          .set('authorization', authorization)
          .set('sec-fetch-site', 'cross-site')
          .set('origin', 'https://evil.example')
          .expect(403)
        expect(res.body).toEqual(CSRF_403)
        await request(app.handler).get('/me').set('token', victim.token).expect(200)
      },
    )

    it('a header token and a different cookie → 400 invalid_request', async () => {
      const other = await db.auth.createToken({ email: `other-${framework}@example.com` })
      const res = await withCookie(request(app.handler).get('/me')).set('token', other).expect(400)
      expect(res.body.code).toBe('invalid_request')
    })

    it('trustedOrigins lets a listed origin through and no other', async () => {
      const trusting = sessionApp('sid', { trustedOrigins: ['https://www.example.com'] })
      await withCookie(request(trusting.handler).post('/action'))
        .set('sec-fetch-site', 'same-site')
        .set('origin', 'https://www.example.com')
        .expect(200)
      const res = await withCookie(request(trusting.handler).post('/action'))
        .set('sec-fetch-site', 'same-site')
        .set('origin', 'https://blog.example.com')
        .expect(403)
      expect(res.body.code).toBe('csrf_rejected')
    })

    it('cross-site sign-out with the cookie → 403, and the session survives', async () => {
      const res = await withCookie(request(app.handler).post('/sign-out'))
        .set('sec-fetch-site', 'cross-site')
        .expect(403)
      expect(res.body).toEqual(CSRF_403)
      expect(res.headers['set-cookie']).toBeUndefined()
      await withCookie(request(app.handler).get('/me')).expect(200)
    })
  })

  describe('login CSRF on the routes that set the cookie', () => {
    it('cross-site sign-in → 403 and no cookie; by Sec-Fetch-Site and by Origin', async () => {
      const app = sessionApp()
      for (const headers of [
        { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
        { origin: 'https://evil.example' },
      ]) {
        const res = await request(app.handler)
          .post('/sign-in')
          .set('host', HOST)
          .set(headers)
          .send({ email: `login-csrf-${framework}@example.com`, password: 'right' })
          .expect(403)
        expect(res.body).toEqual(CSRF_403)
        expect(res.headers['set-cookie']).toBeUndefined()
      }
    })

    it('a JSON body sent as text/plain → 403, even same-origin; on sign-in and verify', async () => {
      const app = sessionApp()
      const email = `plain-${framework}@example.com`
      const { code } = await issueCode(app, email)
      for (const [path, body] of [
        ['/sign-in', { email, password: 'right' }],
        ['/verify-magic-code', { email, code }],
      ] as const) {
        const res = await request(app.handler)
          .post(path)
          .set('host', HOST)
          .set('sec-fetch-site', 'same-origin')
          .set('content-type', 'text/plain;charset=UTF-8')
          .send(JSON.stringify(body))
          .expect(403)
        expect(res.body).toEqual({
          ...CSRF_403,
          detail:
            'A JSON body sent as text/plain is refused here; send Content-Type: application/json.',
        })
        expect(res.headers['set-cookie']).toBeUndefined()
      }
      // The code was not spent by the refused request.
      await request(app.handler)
        .post('/verify-magic-code')
        .set('host', HOST)
        .send({ email, code })
        .expect(200)
    })

    it('cross-site verify-magic-code → 403 and no cookie', async () => {
      const app = sessionApp()
      const email = `verify-csrf-${framework}@example.com`
      const { code } = await issueCode(app, email)
      const res = await request(app.handler)
        .post('/verify-magic-code')
        .set('host', HOST)
        .set('sec-fetch-site', 'cross-site')
        .send({ email, code })
        .expect(403)
      expect(res.body).toEqual(CSRF_403)
      expect(res.headers['set-cookie']).toBeUndefined()
    })

    it('a refused sign-in or a wrong code sets no cookie', async () => {
      const app = sessionApp()
      const email = `refused-${framework}@example.com`
      const refused = await request(app.handler)
        .post('/sign-in')
        .set('host', HOST)
        .send({ email, password: 'wrong' })
        .expect(401)
      expect(refused.body.code).toBe('invalid_credentials')
      expect(refused.headers['set-cookie']).toBeUndefined()
      const { code } = await issueCode(app, email)
      const wrong = await request(app.handler)
        .post('/verify-magic-code')
        .set('host', HOST)
        .send({ email, code: code === '000000' ? '111111' : '000000' })
        .expect(401)
      expect(wrong.body.code).toBe('invalid_code')
      expect(wrong.headers['set-cookie']).toBeUndefined()
    })

    it('without cookie, the routers answer cross-site requests as before', async () => {
      const app = createApp(framework)
      app.use(
        signInRouter({ db, rateLimit: false, authenticate: () => ({ email: 'x@example.com' }) }),
      )
      const res = await request(app.handler)
        .post('/sign-in')
        .set('sec-fetch-site', 'cross-site')
        .set('content-type', 'text/plain')
        .send('{}')
        .expect(200)
      expect(res.headers['set-cookie']).toBeUndefined()
    })
  })
})

describe.each([
  ['express5', express5],
  ['express4', express4 as unknown as typeof express5],
] as const)('trust proxy on %s', (_name, express) => {
  it('the own origin follows X-Forwarded-Proto only when trust proxy is set', async () => {
    const db = makeDb('ours', localInstant())
    const token = await db.auth.createToken({ email: 'proxied@example.com' })
    const build = (trust: boolean) => {
      const app = express()
      if (trust) app.set('trust proxy', 1)
      app.post('/action', requireInstantUser({ db, cookie: 'sid' }), (_req, res) => {
        res.json({ ok: true })
      })
      return app
    }
    const send = (app: ReturnType<typeof build>) =>
      request(app)
        .post('/action')
        .set('host', HOST)
        .set('x-forwarded-proto', 'https')
        .set('origin', `https://${HOST}`)
        .set('cookie', `sid=${token}`)
    await send(build(true)).expect(200, { ok: true })
    const res = await send(build(false)).expect(403)
    expect(res.body.code).toBe('csrf_rejected')
  })
})

describe('cookie options are validated at factory time', () => {
  let realDb: InstantAuthDb
  beforeAll(() => {
    realDb = makeDb('ours', localInstant())
  })

  const NAME = 'be a cookie name (a non-empty token string), e.g. "__Host-instant_token"'
  it.each([
    [{ cookie: 'a b' }, `\`cookie\` must ${NAME}; got a string.`],
    [
      { cookie: 42 },
      '`cookie` must be a cookie name or { name, maxAgeMs, sameSite, secure, domain, path }; got 42.',
    ],
    [{ cookie: { name: '' } }, `\`cookie.name\` must ${NAME}; got a string.`],
    [
      { cookie: { name: 'sid', sameSite: 'none' } },
      "`cookie.sameSite` must be 'lax' (default) or 'strict' ('none' would send the session cookie on cross-site requests); got \"none\".",
    ],
    [
      { cookie: { name: 'sid', maxAgeMs: 10 } },
      '`cookie.maxAgeMs` must be a whole number of milliseconds from 1000 to 34560000000 (default 604800000); got 10.',
    ],
    [
      { cookie: { name: 'sid', secure: 'yes' } },
      '`cookie.secure` must be a boolean (default true); got a string.',
    ],
    [
      { cookie: { name: 'sid', domain: 'a b' } },
      '`cookie.domain` must be a host name, e.g. "example.com" (default: none); got a string.',
    ],
    [
      { cookie: { name: 'sid', path: 'app' } },
      '`cookie.path` must be a path starting with "/" (default "/"); got a string.',
    ],
    [
      { cookie: { name: 'sid', httpOnly: false } },
      'unknown option `cookie.httpOnly` (did you mean `cookie.domain`?).',
    ],
    [
      { cookie: { name: '__Host-sid', secure: false } },
      '`cookie` must be Secure, with path "/" and no domain, for a "__Host-" name (browsers drop it otherwise); got secure: false, path "/", domain none.',
    ],
    [
      { cookie: { name: '__Host-sid', path: '/app' } },
      '`cookie` must be Secure, with path "/" and no domain, for a "__Host-" name (browsers drop it otherwise); got secure: true, path "/app", domain none.',
    ],
    [
      { cookie: { name: '__host-sid', domain: 'example.com' } },
      '`cookie` must be Secure, with path "/" and no domain, for a "__Host-" name (browsers drop it otherwise); got secure: true, path "/", domain "example.com".',
    ],
    [
      { cookie: { name: '__Secure-sid', secure: false } },
      '`cookie.secure` must be true for a "__Secure-" name (browsers drop it otherwise); got false.',
    ],
    [
      { trustedOrigins: ['https://a.example'] },
      '`trustedOrigins` must be left out without `cookie` (it only applies to cookie sessions; set `cookie` too); got an array.',
    ],
    [
      { cookie: 'sid', trustedOrigins: ['https://a.example/app'] },
      '`trustedOrigins[0]` must be an origin like "https://app.example.com" (scheme, host and optional port; no path); got "https://a.example/app".',
    ],
  ])('%o', (options, message) => {
    const refusal = (factory: string) => new TypeError(`${factory}(): ${message}`)
    for (const [name, factory] of [
      ['requireInstantUser', requireInstantUser],
      ['optionalInstantUser', optionalInstantUser],
      ['signOutRouter', signOutRouter],
    ] as const) {
      expect(() => factory({ db: realDb, ...(options as object) })).toThrow(refusal(name))
    }
    expect(() =>
      signInRouter({ db: realDb, authenticate: () => null, ...(options as object) }),
    ).toThrow(refusal('signInRouter'))
    expect(() =>
      magicCodeRouter({ db: realDb, sendEmail: () => {}, ...(options as object) }),
    ).toThrow(refusal('magicCodeRouter'))
  })

  it('tokenInBody: false needs a cookie; tokenInBody must be a boolean', () => {
    expect(() =>
      signInRouter({ db: realDb, authenticate: () => null, tokenInBody: false }),
    ).toThrow(
      new TypeError(
        'signInRouter(): `tokenInBody` must be true without `cookie` (with false the client would get no token at all; set `cookie` too); got false.',
      ),
    )
    expect(() =>
      magicCodeRouter({ db: realDb, sendEmail: () => {}, tokenInBody: 'no' as any }),
    ).toThrow(
      new TypeError(
        'magicCodeRouter(): `tokenInBody` must be a boolean (default true); got a string.',
      ),
    )
  })
})
