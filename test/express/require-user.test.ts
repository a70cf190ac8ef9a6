import { inspect } from 'node:util'
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { optionalInstantUser, requireInstantUser } from '../../src/express/index.js'
import type { InstantAuthDb } from '../../src/core/instant-db.js'
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
        type: 'https://github.com/instant-express-auth/instant-express-auth#missing_token',
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

    it('reads a cookie only when configured', async () => {
      await request(meApp().handler).get('/me').set('cookie', `sid=${token}`).expect(401)
      const res = await request(meApp({ cookie: 'sid' }).handler)
        .get('/me')
        .set('cookie', `a=1; sid=${token}`)
        .expect(200)
      expect(res.body.user.id).toBe(userId)
    })

    it('OPTIONS passes untouched', async () => {
      const app = createApp(framework)
      app.use(requireInstantUser({ db }))
      app.use((req, res) =>
        json(res, 200, {
          method: req.method,
          instant: req.instant === undefined ? 'unset' : 'set',
        }),
      )
      const res = await request(app.handler).options('/anything').expect(200)
      expect(res.body).toEqual({ method: 'OPTIONS', instant: 'unset' })
      await request(app.handler).get('/anything').expect(401)
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

  it('OPTIONS is not authenticated: req.instant = null, even with a bad token', async () => {
    const a = createApp(framework)
    a.use(optionalInstantUser({ db }))
    a.use((req, res) => json(res, 200, { instant: req.instant === null ? 'null' : 'other' }))
    const res = await request(a.handler).options('/feed').set('token', UNKNOWN).expect(200)
    expect(res.body).toEqual({ instant: 'null' })
    expect(res.headers['cache-control']).toBeUndefined()
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
    for (const bad of [0, -1, Number.NaN, '100']) {
      expect(() => requireInstantUser({ db, instantTimeoutMs: bad as any })).toThrow(
        '`instantTimeoutMs` must be a positive number of milliseconds (default 10000).',
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
