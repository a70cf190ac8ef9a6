/** `signOutRouter`: POST /sign-out over Express 5, Express 4 and Connect, against Local Instant. */
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { requireInstantUser, signOutRouter } from '../../src/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import {
  DB_KINDS,
  FRAMEWORKS,
  createApp,
  json,
  makeDb,
  useLocalInstant,
  expectKitHeaders,
} from '../helpers.js'

const localInstant = useLocalInstant()

describe.each(FRAMEWORKS)('signOutRouter on %s', (framework) => {
  describe.each(DB_KINDS)('with db = %s client', (dbKind) => {
    let db: InstantAuthDb
    const tag = `${framework}-${dbKind}`
    beforeAll(() => {
      db = makeDb(dbKind, localInstant())
    })

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

describe('signOutRouter options', () => {
  it('signOutRouter validates `cache` whatever the scope', () => {
    const db = makeDb('ours', localInstant())
    for (const scope of ['session', 'all'] as const) {
      expect(() => signOutRouter({ db, scope, cache: { ttlMs: -1 } })).toThrow(/`cache.ttlMs`/)
      expect(() => signOutRouter({ db, scope, cache: null as any })).toThrow(/`cache`/)
      expect(() => signOutRouter({ db, scope, cache: false })).not.toThrow()
    }
  })
})
