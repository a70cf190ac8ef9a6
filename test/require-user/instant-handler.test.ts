/**
 * `instantHandler` on Express 5 and Express 4 with a real Local Instant: the handler sees
 * `req.instant`, a rejected promise reaches the error handler (Express 4 would otherwise hang),
 * and a route that forgot `requireInstantUser` fails with a 500 instead of running without a user.
 */
import express5 from 'express'
import express4 from 'express4'
import type { ErrorRequestHandler } from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { init } from '../../src/admin/index.js'
import { instantHandler, requireInstantUser } from '../../src/index.js'
import { useLocalInstant } from '../helpers.js'

const localInstant = useLocalInstant()

const errorHandler: ErrorRequestHandler = (err: Error, _req, res, _next) => {
  res.status(500).json({ error: err.message })
}

function buildApp(framework: 'express5' | 'express4') {
  const local = localInstant()
  const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
  const app = (framework === 'express5' ? express5 : express4)() as ReturnType<typeof express5>
  const requireUser = requireInstantUser({ db })
  app.get(
    '/me',
    requireUser,
    instantHandler((req, res) => {
      res.json({ email: req.instant.user.email })
    }),
  )
  app.get(
    '/fails',
    requireUser,
    instantHandler(async function fails() {
      await Promise.resolve()
      throw new Error('handler failed')
    }),
  )
  app.get(
    '/unprotected',
    instantHandler(function showUser(req, res) {
      res.json({ id: req.instant.user.id })
    }),
  )
  app.use(errorHandler)
  return { app, db }
}

describe.each(['express5', 'express4'] as const)('instantHandler on %s', (framework) => {
  it('hands the handler req.instant after requireInstantUser', async () => {
    const { app, db } = buildApp(framework)
    const token = await db.auth.createToken({ email: 'handler@example.com' })
    const res = await request(app).get('/me').set('token', token)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ email: 'handler@example.com' })
    await db.close()
  })

  it('sends a rejected promise to the error handler', async () => {
    const { app, db } = buildApp(framework)
    const token = await db.auth.createToken({ email: 'handler@example.com' })
    const res = await request(app).get('/fails').set('token', token)
    expect(res.status).toBe(500)
    expect(res.body).toEqual({ error: 'handler failed' })
    await db.close()
  })

  it('fails with a 500 naming the fix when requireInstantUser was not mounted', async () => {
    const { app, db } = buildApp(framework)
    const res = await request(app).get('/unprotected')
    expect(res.status).toBe(500)
    expect(res.body).toEqual({
      error:
        'showUser: req.instant is not set; mount requireInstantUser({ db }) before instantHandler(...).',
    })
    await db.close()
  })

  it('rejects a non-function at wiring time', () => {
    expect(() => instantHandler(undefined as never)).toThrow(
      new TypeError(
        'instantHandler(): `handler` must be a function (req, res, next) => …; got undefined.',
      ),
    )
  })
})
