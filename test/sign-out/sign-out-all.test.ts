/** `signOutRouter({ scope: 'all' })` decides on a fresh answer from Instant, never the cache. */
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { requireInstantUser, signOutRouter } from '../../src/index.js'
import { DB_KINDS, createApp, json, makeDb, useLocalInstant } from '../helpers.js'

const localInstant = useLocalInstant()

describe.each(DB_KINDS)("signOutRouter({ scope: 'all' }) with db = %s client", (dbKind) => {
  function setup() {
    const db = makeDb(dbKind, localInstant())
    const app = createApp('express5')
    app.use(signOutRouter({ db, scope: 'all' }))
    app.route('GET', '/me', requireInstantUser({ db }), (req, res) =>
      json(res, 200, { id: req.instant.user.id }),
    )
    return { db, app }
  }

  it('a token revoked elsewhere cannot sign out the other sessions, even while cached', async () => {
    const { db, app } = setup()
    const email = `revoked-elsewhere-${dbKind}@example.com`
    const stolen = await db.auth.createToken({ email })
    const other = await db.auth.createToken({ email })
    await request(app.handler).get('/me').set('token', stolen).expect(200) // cached as valid
    await db.auth.signOut({ refresh_token: stolen }) // revoked behind the kit's back
    const res = await request(app.handler).post('/sign-out').set('token', stolen).expect(401)
    expect(res.body.code).toBe('invalid_token')
    await request(app.handler).get('/me').set('token', other).expect(200)
    // The fresh answer also replaced the stale cache entry.
    await request(app.handler).get('/me').set('token', stolen).expect(401)
  })

  it('a valid token still signs out every session', async () => {
    const { db, app } = setup()
    const email = `all-sessions-${dbKind}@example.com`
    const one = await db.auth.createToken({ email })
    const two = await db.auth.createToken({ email })
    await request(app.handler).get('/me').set('token', two).expect(200)
    await request(app.handler).post('/sign-out').set('token', one.toUpperCase()).expect(204)
    await request(app.handler).get('/me').set('token', one).expect(401)
    await request(app.handler).get('/me').set('token', two).expect(401)
  })
})
