/** `instantStats(db)`: cache size, hits, misses, in-flight and upstream failures, per db. */
import request from 'supertest'
import { describe, expect, it, vi } from 'vitest'
import type { init } from '../../src/admin/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import { instantStats, requireInstantUser } from '../../src/index.js'
import { createApp, json, makeDb, recordingLogger, useLocalInstant } from '../helpers.js'

const local = useLocalInstant()
const UNKNOWN = '00000000-0000-4000-8000-000000000000'

function appFor(db: InstantAuthDb) {
  const app = createApp('express5')
  app.route(
    'GET',
    '/me',
    requireInstantUser({ db, logger: recordingLogger(), instantTimeoutMs: 2_000 }),
    (_req, res) => json(res, 200, {}),
  )
  return app
}

describe('instantStats', () => {
  it('is all zeros for a db no middleware was built with', () => {
    expect(instantStats({})).toEqual({
      cacheSize: 0,
      cacheMax: 0,
      cacheHits: 0,
      cacheMisses: 0,
      inflight: 0,
      verifications: 0,
      upstreamFailures: 0,
    })
  })

  it('counts hits, misses, verifications and cache size; bad tokens are no failures', async () => {
    const db = makeDb('ours', local())
    const token = await (db as unknown as ReturnType<typeof init>).auth.createToken({
      email: 'stats@example.com',
    })
    const app = appFor(db)
    await request(app.handler).get('/me').set('token', token).expect(200)
    await request(app.handler).get('/me').set('token', token).expect(200)
    await request(app.handler).get('/me').set('token', UNKNOWN).expect(401)
    await request(app.handler).get('/me').set('token', UNKNOWN).expect(401)
    expect(instantStats(db)).toEqual({
      cacheSize: 2,
      cacheMax: 10_000,
      cacheHits: 2,
      cacheMisses: 2,
      inflight: 0,
      verifications: 2,
      upstreamFailures: 0,
    })
  })

  it('counts upstream failures and verifications in flight', async () => {
    let release: (value: unknown) => void = () => {}
    let fail = false
    const db: InstantAuthDb = {
      auth: {
        verifyToken: () =>
          fail
            ? Promise.reject(Object.assign(new Error('down'), { code: 'ECONNREFUSED' }))
            : (new Promise((resolve) => {
                release = resolve
              }) as never),
      } as unknown as InstantAuthDb['auth'],
      asUser: () => ({}),
    }
    const app = appFor(db)
    const pending = request(app.handler)
      .get('/me')
      .set('token', UNKNOWN)
      .then((r) => r.status)
    await vi.waitFor(() => expect(instantStats(db).inflight).toBe(1), { timeout: 2_000 })
    release({ id: 'u1', email: 'x@example.com' })
    expect(await pending).toBe(200)
    expect(instantStats(db).inflight).toBe(0)
    fail = true
    await request(app.handler).get('/me').set('token', 'another-token').expect(503)
    expect(instantStats(db)).toMatchObject({ verifications: 2, upstreamFailures: 1, cacheSize: 1 })
  })
})
