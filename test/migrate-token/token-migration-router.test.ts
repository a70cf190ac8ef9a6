/**
 * `tokenMigrationRouter`: POST /migrate-token over Express 5, Express 4 and Connect, with two
 * Local Instants standing in for the old backend (Instant Cloud) and the new (self-hosted).
 */
import { init } from 'instant-express-auth/admin'
import { startLocalInstant, type LocalInstant } from 'instant-express-auth/local'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireInstantUser, tokenMigrationRouter } from '../../src/index.js'
import { memoryStore, type StateStore } from '../../src/state-store.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import { APP_ZIP, ALICE } from '../local/backup/fixtures.js'

const UNLINKED_GUEST = '9e570000-0000-4000-8000-000000000004'
import { DB_KINDS, FRAMEWORKS, createApp, expectKitHeaders, json, makeDb } from '../helpers.js'

let oldLocal: LocalInstant
let newLocal: LocalInstant
beforeAll(async () => {
  // The old backend holds the app's users; the new one was restored from its backup (same ids).
  ;[oldLocal, newLocal] = await Promise.all([
    startLocalInstant({ logger: false, backup: APP_ZIP }),
    startLocalInstant({ logger: false, backup: APP_ZIP }),
  ])
})
afterAll(async () => {
  await Promise.all([oldLocal.close(), newLocal.close()])
})

const HOST = 'app.example.com'

describe.each(FRAMEWORKS)('tokenMigrationRouter on %s', (framework) => {
  describe.each(DB_KINDS)('with %s clients', (dbKind) => {
    let from: InstantAuthDb
    let db: InstantAuthDb
    beforeAll(() => {
      from = makeDb(dbKind, oldLocal)
      db = makeDb(dbKind, newLocal)
    })

    function migrationApp(options: Partial<Parameters<typeof tokenMigrationRouter>[0]> = {}) {
      const app = createApp(framework)
      app.use(tokenMigrationRouter({ from, db, ...options }))
      app.route('GET', '/me', requireInstantUser({ db }), (req, res) =>
        json(res, 200, { id: req.instant.user.id, email: req.instant.user.email }),
      )
      app.route('GET', '/old-me', requireInstantUser({ db: from }), (req, res) =>
        json(res, 200, { id: req.instant.user.id }),
      )
      return app
    }

    it('swaps an old token for a new one of the same user (by id, carried over by restore)', async () => {
      const app = migrationApp()
      const oldToken = await from.auth.createToken({ email: 'alice@example.com' })
      const res = await request(app.handler)
        .post('/migrate-token')
        .set('authorization', `Bearer ${oldToken}`)
        .expect(200)
      expectKitHeaders(res)
      expect(Object.keys(res.body)).toEqual(['token'])
      const newToken = res.body.token as string
      expect(newToken).not.toBe(oldToken)
      const me = await request(app.handler).get('/me').set('token', newToken).expect(200)
      expect(me.body).toEqual({ id: ALICE, email: 'alice@example.com' })
      expect((await db.auth.verifyToken(newToken)).id).toBe(ALICE)
      // The old token is still the old backend's (nothing revoked there) and no token of the new one.
      await request(app.handler).get('/old-me').set('token', oldToken).expect(200)
      await request(app.handler).get('/me').set('token', oldToken).expect(401)
    })

    it('moves a guest by its id, which restore carried over (a guest has no email)', async () => {
      const oldToken = await from.auth.createToken({ id: UNLINKED_GUEST })
      const res = await request(migrationApp().handler)
        .post('/migrate-token')
        .set('token', oldToken)
        .expect(200)
      const user = await db.auth.verifyToken(res.body.token)
      expect(user).toMatchObject({ id: UNLINKED_GUEST, isGuest: true })
    })

    it('finds the user by email when the ids were not carried over', async () => {
      const email = `only-old-${framework}-${dbKind}@example.com`
      const oldToken = await from.auth.createToken({ email })
      const oldUser = await from.auth.verifyToken(oldToken)
      const res = await request(migrationApp().handler)
        .post('/migrate-token')
        .set('token', oldToken)
        .expect(200)
      const newUser = await db.auth.verifyToken(res.body.token)
      expect(newUser.email).toBe(email)
      expect(newUser.id).not.toBe(oldUser.id)
    })

    it('an unknown or revoked old token gets the generic 401 requireInstantUser gives', async () => {
      const app = migrationApp()
      const oldToken = await from.auth.createToken({ email: 'bob@example.com' })
      await from.auth.signOut({ refresh_token: oldToken })
      const revoked = await request(app.handler)
        .post('/migrate-token')
        .set('token', oldToken)
        .expect(401)
      const generic = await request(app.handler).get('/old-me').set('token', oldToken).expect(401)
      expect(revoked.body).toEqual(generic.body)
      expect(revoked.body.code).toBe('invalid_token')
      expect(revoked.headers['www-authenticate']).toBe(generic.headers['www-authenticate'])
      expect(JSON.stringify(revoked.body)).not.toContain(oldToken)
      const unknown = await request(app.handler)
        .post('/migrate-token')
        .set('token', '0e2d6c4e-6a3b-4b8e-9d1a-2f3c4d5e6f70')
        .expect(401)
      expect(unknown.body).toEqual(generic.body)
      const none = await request(app.handler).post('/migrate-token').expect(401)
      expect(none.body.code).toBe('missing_token')
    })

    it('a guest whose id is not on the new backend cannot move (no email to find it by)', async () => {
      const guest = await fetch(`${oldLocal.apiURI}/runtime/auth/sign_in_guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 'app-id': oldLocal.appId }),
      })
      const { user } = (await guest.json()) as { user: { refresh_token: string } }
      const res = await request(migrationApp().handler)
        .post('/migrate-token')
        .set('token', user.refresh_token)
        .expect(401)
      expect(res.body.code).toBe('invalid_token')
    })

    it('is rate-limited per IP on refused tokens', async () => {
      const app = migrationApp({ rateLimit: { failuresPerIp: { limit: 2 } } })
      for (let i = 0; i < 2; i++) {
        await request(app.handler).post('/migrate-token').set('token', 'nope').expect(401)
      }
      const limited = await request(app.handler)
        .post('/migrate-token')
        .set('token', 'nope')
        .expect(429)
      expect(limited.body.code).toBe('rate_limited')
      expect(limited.headers['retry-after']).toEqual(expect.any(String))
    })

    it('cookie sessions: reads the old cookie, sets the new one; cross-site is refused', async () => {
      const app = migrationApp({ cookie: 'sid' })
      const oldToken = await from.auth.createToken({ email: 'alice@example.com' })
      const res = await request(app.handler)
        .post('/migrate-token')
        .set('host', HOST)
        .set('sec-fetch-site', 'same-origin')
        .set('cookie', `sid=${oldToken}`)
        .expect(200)
      const newToken = res.body.token as string
      expect(res.headers['set-cookie']).toEqual([
        `sid=${newToken}; Path=/; Max-Age=604800; HttpOnly; Secure; SameSite=Lax`,
      ])
      const cookieApp = createApp(framework)
      cookieApp.route('GET', '/me', requireInstantUser({ db, cookie: 'sid' }), (req, r) =>
        json(r, 200, { id: req.instant.user.id }),
      )
      await request(cookieApp.handler)
        .get('/me')
        .set('cookie', `sid=${newToken}`)
        .expect(200, { id: ALICE })

      const forged = await request(app.handler)
        .post('/migrate-token')
        .set('host', HOST)
        .set('sec-fetch-site', 'cross-site')
        .set('origin', 'https://evil.example')
        .set('cookie', `sid=${oldToken}`)
        .expect(403)
      expect(forged.body.code).toBe('csrf_rejected')
      expect(forged.headers['set-cookie']).toBeUndefined()

      const bodyless = migrationApp({ cookie: 'sid', tokenInBody: false })
      const quiet = await request(bodyless.handler)
        .post('/migrate-token')
        .set('host', HOST)
        .set('sec-fetch-site', 'same-origin')
        .set('cookie', `sid=${oldToken}`)
        .expect(200)
      expect(quiet.body).toEqual({})
      expect(quiet.headers['set-cookie']).toHaveLength(1)
    })

    it('answers only POST on its path (default /migrate-token, or `path`)', async () => {
      const app = migrationApp({ path: '/auth/migrate' })
      const oldToken = await from.auth.createToken({ email: 'bob@example.com' })
      await request(app.handler).post('/auth/migrate').set('token', oldToken).expect(200)
      await request(app.handler).post('/migrate-token').set('token', oldToken).expect(404)
      await request(app.handler).get('/auth/migrate').set('token', oldToken).expect(404)
    })
  })
})

describe('tokenMigrationRouter options', () => {
  it('checks them once, at factory time', () => {
    const db = makeDb('ours', newLocal)
    const from = init({
      appId: oldLocal.appId,
      adminToken: oldLocal.adminToken,
      apiURI: oldLocal.apiURI,
    })
    expect(() => tokenMigrationRouter({ db } as never)).toThrow(
      'tokenMigrationRouter(): `from` must be the admin client of the old backend (the one the tokens belong to), e.g. init({ appId, adminToken }) for Instant Cloud; got undefined.',
    )
    expect(() => tokenMigrationRouter({ db, from: {} as never })).toThrow(
      /^tokenMigrationRouter\(\): `db` must be an Instant admin client/,
    )
    expect(() => tokenMigrationRouter({ db, from: db })).toThrow(
      'tokenMigrationRouter(): `from` must be the client of another backend than `db` (tokens move from `from` to `db`); got the same client as `db`.',
    )
    expect(() => tokenMigrationRouter({ db, from, path: 'migrate' })).toThrow(
      /`path` must be a path/,
    )
    expect(() => tokenMigrationRouter({ db, from, nope: 1 } as never)).toThrow(
      'tokenMigrationRouter(): unknown option `nope` (did you mean `store`?).',
    )
    expect(() => tokenMigrationRouter({ db, from, rateLimit: { perIp: {} } } as never)).toThrow(
      'tokenMigrationRouter(): unknown option `rateLimit.perIp` (did you mean `rateLimit.failuresPerIp`?).',
    )
    expect(() => tokenMigrationRouter({ db, from, tokenInBody: false })).toThrow(/`tokenInBody`/)
    expect(tokenMigrationRouter({ db, from }).name).toBe('migrateToken')
  })
})

describe('tokenMigrationRouter with a shared state store', () => {
  it("never writes the old backend's verification into the store the new backend's routes share", async () => {
    // A store other processes see (as Redis is): the kit shares verification results through it.
    const inner = memoryStore()
    const keys: string[] = []
    const shared: StateStore = {
      shared: true,
      hit: (key, windowMs) => inner.hit(key, windowMs),
      put: (key, value, ttlMs) => {
        keys.push(key)
        return inner.put(key, value, ttlMs)
      },
      get: (key) => inner.get(key),
      take: (key) => inner.take(key),
      delete: (key) => inner.delete(key),
    }
    const from = makeDb('ours', oldLocal)
    const db = makeDb('ours', newLocal)
    const app = createApp('express5')
    app.use(tokenMigrationRouter({ from, db, store: shared, codeSecret: 'a'.repeat(32) }))
    app.route('GET', '/me', requireInstantUser({ db, store: shared }), (req, res) =>
      json(res, 200, { id: req.instant.user.id }),
    )
    const oldToken = await from.auth.createToken({ email: 'alice@example.com' })
    await request(app.handler).post('/migrate-token').set('token', oldToken).expect(200)
    expect(keys).toEqual([])
    // The old token is not a session of the new backend, however the store is shared.
    await request(app.handler).get('/me').set('token', oldToken).expect(401)
  })
})
