import { inspect } from 'node:util'
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { optionalInstantUser, requireInstantUser, signOutRouter } from '../../src/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import {
  DB_KINDS,
  FRAMEWORKS,
  createApp,
  json,
  makeDb,
  recordingLogger,
  useLocalInstant,
} from '../helpers.js'

const localInstant = useLocalInstant()

const UNKNOWN = '00000000-0000-4000-8000-000000000000'

async function guestToken(): Promise<string> {
  const res = await fetch(`${localInstant().apiURI}/runtime/auth/sign_in_guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ 'app-id': localInstant().appId }),
  })
  const body = (await res.json()) as { user: { refresh_token: string } }
  return body.user.refresh_token
}

/** Several lines of one header (supertest sends an array as repeated lines). */
function lines(...values: string[]): string {
  return values as unknown as string
}

/** A small CORS middleware (the shape of `cors()`): answers preflights, passes the rest on. */
function corsMiddleware(req: any, res: any, next: () => void): void {
  const origin = req.headers.origin
  if (origin !== undefined) res.setHeader('Access-Control-Allow-Origin', origin)
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
    res.setHeader('Access-Control-Allow-Methods', 'GET,POST')
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'])
    res.statusCode = 204
    res.end()
    return
  }
  next()
}

function problem(status: number, code: string) {
  return expect.objectContaining({
    status,
    code,
    type: expect.stringContaining(code),
    title: expect.any(String),
    detail: expect.any(String),
  })
}

describe.each(FRAMEWORKS)('requireInstantUser on %s', (framework) => {
  describe.each(DB_KINDS)('with db = %s client', (dbKind) => {
    let db: InstantAuthDb
    let token: string
    let email: string
    let userId: string

    beforeAll(async () => {
      db = makeDb(dbKind, localInstant())
      email = `${framework}-${dbKind}@example.com`
      token = await db.auth.createToken({ email })
      userId = (await db.auth.verifyToken(token)).id
    })

    function meApp(options: Partial<Parameters<typeof requireInstantUser>[0]> = {}) {
      const app = createApp(framework)
      app.route('GET', '/me', requireInstantUser({ db, ...options }), (req, res) =>
        json(res, 200, {
          user: req.instant.user,
          serialised: JSON.stringify(req.instant),
          inspected: inspect(req.instant, { depth: 5, showHidden: true }),
        }),
      )
      return app
    }

    it('verifies the token header and sets req.instant without secrets', async () => {
      const res = await request(meApp().handler).get('/me').set('token', token).expect(200)
      expect(res.body.user).toEqual(expect.objectContaining({ id: userId, email }))
      expect(res.body.user).not.toHaveProperty('refresh_token')
      expect(res.body.serialised).toBe(JSON.stringify({ user: res.body.user }))
      expect(res.body.inspected).not.toContain(token)
      expect(res.body.inspected).not.toContain(localInstant().adminToken)
      expect(res.text).not.toContain(token)
    })

    it('accepts Authorization: Bearer', async () => {
      const res = await request(meApp().handler)
        .get('/me')
        .set('authorization', `Bearer ${token}`)
        .expect(200)
      expect(res.body.user.id).toBe(userId)
    })

    it('missing token → 401 missing_token, problem+json, WWW-Authenticate, helmet, no-store', async () => {
      const res = await request(meApp().handler).get('/me').expect(401)
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expect(res.headers['www-authenticate']).toBe('Bearer realm="instant"')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.body).toEqual({
        type: 'urn:instant-express-auth:error:missing_token',
        title: 'Missing token',
        status: 401,
        detail: 'A token is required.',
        code: 'missing_token',
      })
    })

    it('unknown token → 401 invalid_token with WWW-Authenticate error', async () => {
      const res = await request(meApp().handler).get('/me').set('token', UNKNOWN).expect(401)
      expect(res.body).toEqual(problem(401, 'invalid_token'))
      expect(res.headers['www-authenticate']).toBe('Bearer realm="instant", error="invalid_token"')
    })

    it('malformed token → 401 invalid_token', async () => {
      const res = await request(meApp({ cache: false }).handler)
        .get('/me')
        .set('token', 'not-a-uuid')
        .expect(401)
      expect(res.body.code).toBe('invalid_token')
      expect(res.text).not.toContain('not-a-uuid')
    })

    it('two different tokens → 400 invalid_request', async () => {
      const res = await request(meApp().handler)
        .get('/me')
        .set('token', token)
        .set('authorization', `Bearer ${UNKNOWN}`)
        .expect(400)
      expect(res.body).toEqual(problem(400, 'invalid_request'))
    })

    it('every spelling of a token is one cache entry, and the kit sign-out ends them all', async () => {
      const own = await db.auth.createToken({
        email: `spelling-${framework}-${dbKind}@example.com`,
      })
      const upper = own.toUpperCase()
      expect(upper).not.toBe(own)
      const events: string[] = []
      const app = createApp(framework)
      app.use(signOutRouter({ db }))
      app.route(
        'GET',
        '/me',
        requireInstantUser({ db, onEvent: (e) => void events.push(e.type) }),
        (req, res) => json(res, 200, { id: req.instant.user.id }),
      )
      await request(app.handler).get('/me').set('token', own).expect(200)
      await request(app.handler).get('/me').set('authorization', `Bearer ${upper}`).expect(200)
      expect(events.filter((e) => e === 'verified')).toHaveLength(1)
      expect(events.filter((e) => e === 'cache_hit')).toHaveLength(1)
      await request(app.handler).post('/sign-out').set('token', own).expect(204)
      const after = await request(app.handler).get('/me').set('token', upper).expect(401)
      expect(after.body.code).toBe('invalid_token')
    })

    it('two different Authorization lines → 400; a token header sent twice is one token', async () => {
      const app = meApp()
      const other = '11111111-1111-4111-8111-111111111111'
      const twoAuth = await request(app.handler)
        .get('/me')
        .set('authorization', lines(`Bearer ${token}`, `Bearer ${other}`))
        .expect(400)
      expect(twoAuth.body).toEqual(problem(400, 'invalid_request'))
      expect(twoAuth.headers['www-authenticate']).toBe(
        'Bearer realm="instant", error="invalid_request"',
      )
      const bearerAndBasic = await request(app.handler)
        .get('/me')
        .set('authorization', lines(`Bearer ${token}`, 'Basic dXNlcjpwYXNz'))
        .expect(400)
      expect(bearerAndBasic.body.code).toBe('invalid_request')
      const sameAuth = await request(app.handler)
        .get('/me')
        .set('authorization', lines(`Bearer ${token}`, `Bearer ${token}`))
        .expect(200)
      expect(sameAuth.body.user.id).toBe(userId)
      const sameToken = await request(app.handler)
        .get('/me')
        .set('token', lines(token, token))
        .expect(200)
      expect(sameToken.body.user.id).toBe(userId)
      const twoTokens = await request(app.handler)
        .get('/me')
        .set('token', lines(token, other))
        .expect(400)
      expect(twoTokens.body.code).toBe('invalid_request')
    })

    it('reads a cookie only when configured', async () => {
      await request(meApp().handler).get('/me').set('cookie', `sid=${token}`).expect(401)
      const res = await request(meApp({ cookie: 'sid' }).handler)
        .get('/me')
        .set('cookie', `a=1; sid=${token}`)
        .expect(200)
      expect(res.body.user.id).toBe(userId)
    })

    it('OPTIONS is authenticated like any method: no handler runs without a user', async () => {
      const app = createApp(framework)
      let ran = 0
      app.use(requireInstantUser({ db }))
      app.use((req, res) => {
        ran++
        json(res, 200, { method: req.method, user: req.instant.user.id })
      })
      const missing = await request(app.handler).options('/anything').expect(401)
      expect(missing.body).toEqual(problem(401, 'missing_token'))
      const bad = await request(app.handler).options('/anything').set('token', UNKNOWN).expect(401)
      expect(bad.body).toEqual(problem(401, 'invalid_token'))
      expect(ran).toBe(0)
      const ok = await request(app.handler).options('/anything').set('token', token).expect(200)
      expect(ok.body).toEqual({ method: 'OPTIONS', user: userId })
      expect(ran).toBe(1)
    })

    it('a CORS middleware mounted first still answers preflights', async () => {
      const app = createApp(framework)
      let ran = 0
      app.use(corsMiddleware)
      app.useAt('/api', requireInstantUser({ db }))
      app.use((_req, res) => {
        ran++
        json(res, 200, { ran: true })
      })
      const preflight = await request(app.handler)
        .options('/api/todos')
        .set('origin', 'https://app.example')
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'token')
        .expect(204)
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example')
      expect(preflight.headers['access-control-allow-headers']).toBe('token')
      expect(ran).toBe(0)
      // A bare OPTIONS (no preflight headers) is not a preflight: the CORS middleware passes it on.
      await request(app.handler).options('/api/todos').expect(401)
      expect(ran).toBe(0)
    })

    it('guests → 403 guest_not_allowed unless allowGuests', async () => {
      const guest = await guestToken()
      const res = await request(meApp().handler).get('/me').set('token', guest).expect(403)
      expect(res.body).toEqual(problem(403, 'guest_not_allowed'))
      const allowed = await request(meApp({ allowGuests: true }).handler)
        .get('/me')
        .set('token', guest)
        .expect(200)
      expect(allowed.body.user.isGuest).toBe(true)
    })

    it('req.instant.db runs as the user (permission rules apply)', async () => {
      const other = await db.auth.createToken({ email: `other-${framework}-${dbKind}@example.com` })
      expect(other).toEqual(expect.any(String))
      const app = createApp(framework)
      app.route('GET', '/users', requireInstantUser({ db }), async (req, res) => {
        const result = (await (req.instant.db as any).query({ $users: {} })) as {
          $users: { id: string }[]
        }
        json(
          res,
          200,
          result.$users.map((u) => u.id),
        )
      })
      const res = await request(app.handler).get('/users').set('token', token).expect(200)
      expect(res.body).toEqual([userId])
    })

    it("onError: 'next' hands the KitError on; the default handler still gets status and headers right", async () => {
      const app = meApp({ onError: 'next' })
      const res = await request(app.handler).get('/me').set('token', UNKNOWN).expect(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="instant", error="invalid_token"')
      expect(res.text).not.toContain(UNKNOWN)

      const custom = meApp({ onError: 'next' })
      custom.useErrorHandler((err, _req, res, _next) => json(res, err.status, { mine: err.code }))
      const mine = await request(custom.handler).get('/me').expect(401)
      expect(mine.body).toEqual({ mine: 'missing_token' })
    })
  })
})

describe.each(FRAMEWORKS)('optionalInstantUser on %s', (framework) => {
  let db: InstantAuthDb
  let token: string
  beforeAll(async () => {
    db = makeDb('ours', localInstant())
    token = await db.auth.createToken({ email: `optional-${framework}@example.com` })
  })

  function app() {
    const a = createApp(framework)
    a.route('GET', '/feed', optionalInstantUser({ db }), (req, res) =>
      json(res, 200, { user: req.instant === null ? null : req.instant.user.email }),
    )
    return a
  }

  it('no token → req.instant = null and the request goes on', async () => {
    const res = await request(app().handler).get('/feed').expect(200)
    expect(res.body).toEqual({ user: null })
  })

  it('a valid token → the user', async () => {
    const res = await request(app().handler).get('/feed').set('token', token).expect(200)
    expect(res.body).toEqual({ user: `optional-${framework}@example.com` })
  })

  it('a bad token → 401 invalid_token', async () => {
    const res = await request(app().handler).get('/feed').set('token', UNKNOWN).expect(401)
    expect(res.body.code).toBe('invalid_token')
  })

  it('OPTIONS is authenticated like any method: null without a token, 401 with a bad one', async () => {
    const a = createApp(framework)
    a.use(optionalInstantUser({ db }))
    a.use((req, res) =>
      json(res, 200, { instant: req.instant === null ? 'null' : req.instant.user.email }),
    )
    const none = await request(a.handler).options('/feed').expect(200)
    expect(none.body).toEqual({ instant: 'null' })
    const bad = await request(a.handler).options('/feed').set('token', UNKNOWN).expect(401)
    expect(bad.body.code).toBe('invalid_token')
    const ok = await request(a.handler).options('/feed').set('token', token).expect(200)
    expect(ok.body).toEqual({ instant: `optional-${framework}@example.com` })
  })
})

describe('cache flooding', () => {
  it('a flood of bogus tokens cannot evict a signed-in user from the cache', async () => {
    const db = makeDb('ours', localInstant())
    const token = await db.auth.createToken({ email: 'flood-victim@example.com' })
    const events: string[] = []
    const app = createApp('express5')
    app.route(
      'GET',
      '/me',
      requireInstantUser({
        db,
        cache: { max: 4, negativeMax: 4 },
        onEvent: (e) => void events.push(e.type === 'cache_hit' ? `hit:${e.outcome}` : e.type),
      }),
      (req, res) => json(res, 200, { id: req.instant.user.id }),
    )
    await request(app.handler).get('/me').set('token', token).expect(200)
    for (let i = 0; i < 20; i++) {
      const bogus = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
      await request(app.handler).get('/me').set('token', bogus).expect(401)
    }
    events.length = 0
    await request(app.handler).get('/me').set('token', token).expect(200)
    expect(events).toEqual(['hit:valid'])
  })
})

describe('factory checks', () => {
  const db = {
    auth: { verifyToken: async () => ({ id: 'x' }) },
    asUser: () => ({}),
  } as unknown as InstantAuthDb

  it('app.use(requireInstantUser) without calling it fails with a clear message', async () => {
    expect(() =>
      (requireInstantUser as any)({ headers: {}, method: 'GET', url: '/' }, {}, () => {}),
    ).toThrow(
      'It looks like you did app.use(requireInstantUser); call it with options instead: app.use(requireInstantUser({ db })).',
    )
    for (const framework of FRAMEWORKS) {
      const app = createApp(framework)
      app.use(requireInstantUser as any)
      const res = await request(app.handler).get('/')
      expect(res.status).toBe(500)
    }
  })

  it('validates options once, naming the option', () => {
    expect(() => requireInstantUser(undefined as any)).toThrow(TypeError)
    expect(() => requireInstantUser({} as any)).toThrow(/`db`/)
    expect(() => requireInstantUser({ db, allowGuests: 'yes' as any })).toThrow(/`allowGuests`/)
    expect(() => requireInstantUser({ db, cache: { ttlMs: -1 } })).toThrow(/`cache.ttlMs`/)
    expect(() => requireInstantUser({ db, onError: 'throw' as any })).toThrow(/`onError`/)
    expect(() => requireInstantUser({ db, logger: {} as any })).toThrow(/`logger`/)
    expect(() => requireInstantUser({ db, cookie: 'a b' })).toThrow(/`cookie`/)
    for (const [bad, shown] of [
      [0, '0'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      ['100', 'a string'],
    ] as const) {
      expect(() => requireInstantUser({ db, instantTimeoutMs: bad as any })).toThrow(
        new TypeError(
          `requireInstantUser(): \`instantTimeoutMs\` must be a positive number of milliseconds up to 2147483647 (default 10000); got ${shown}.`,
        ),
      )
    }
  })

  it('returns a named middleware', () => {
    expect(requireInstantUser({ db }).name).toBe('requireInstantUser')
    expect(optionalInstantUser({ db }).name).toBe('optionalInstantUser')
  })

  it('logs nothing for ordinary 401s', async () => {
    const logger = recordingLogger()
    const app = createApp('express5')
    app.route(
      'GET',
      '/me',
      requireInstantUser({ db: makeDb('ours', localInstant()), logger }),
      (_req, res) => json(res, 200, {}),
    )
    await request(app.handler).get('/me').set('token', UNKNOWN).expect(401)
    expect(logger.lines).toEqual([])
  })
})
