/**
 * Misconfiguration and outages are loud: Instant not running, stopped, or `https://` against
 * an `http` port gives one rate-limited warning naming the origin and the error code; a wrong
 * app id behind `requireInstantUser` is detected and logged once, while every token stays 401.
 */
import { createServer, type Server } from 'node:http'
import request from 'supertest'
import { init as sdkInit } from '@instantdb/admin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { init } from '../../src/admin/index.js'
import { runningAppIdCheck } from '../../src/instant/app-id-probe.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import { UPSTREAM_WARNING_INTERVAL_MS, warnUpstream } from '../../src/instant/upstream-warning.js'
import { magicCodeRouter, requireInstantUser, signInRouter } from '../../src/index.js'
import {
  DB_KINDS,
  FRAMEWORKS,
  close,
  createApp,
  json,
  listen,
  makeDb,
  REFUSED_URI,
  recordingLogger,
  startLocal,
  userToken,
} from '../helpers.js'

const APP_ID = '12345678-1234-4234-8234-123456789012'
const ADMIN = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
const TOKEN = '11111111-1111-4111-8111-111111111111'

let refusedURI: string
let httpServer: Server
let httpsToHttpURI: string

beforeAll(async () => {
  refusedURI = REFUSED_URI
  httpServer = createServer((_req, res) => json(res, 200, {}))
  httpsToHttpURI = (await listen(httpServer)).replace('http://', 'https://')
})

afterAll(async () => {
  await close(httpServer)
})

describe.each(DB_KINDS)('outage warnings with the %s client', (kind) => {
  it.each(FRAMEWORKS)(
    'Instant not running: every route 503, one warning naming origin and code (%s)',
    async (framework) => {
      const logger = recordingLogger()
      const db = makeDb(kind, { appId: APP_ID, adminToken: ADMIN, apiURI: refusedURI })
      const app = createApp(framework)
      app.use(
        signInRouter({ db, logger, rateLimit: false, authenticate: () => ({ email: 'a@b.co' }) }),
      )
      app.use(magicCodeRouter({ db, logger, rateLimit: false, sendEmail: () => {} }))
      app.route('GET', '/me', requireInstantUser({ db, logger }), (_req, res) => json(res, 200, {}))
      for (let i = 0; i < 3; i++) {
        const me = await request(app.handler).get('/me').set('token', TOKEN).expect(503)
        expect(me.body.code).toBe('auth_unavailable')
        expect(me.headers['retry-after']).toBe('5')
      }
      await request(app.handler).post('/sign-in').send({}).expect(503)
      await request(app.handler)
        .post('/custom-send-magic-code')
        .send({ email: 'a@example.com' })
        .expect(503)
      // One line for five failures of one db: rate-limited per db, not per request or route.
      expect(logger.lines).toEqual([
        `warn: instant-express-auth: Instant at ${refusedURI} failed verifyToken (${
          kind === 'ours' ? 'INSTANT_UNREACHABLE: ECONNREFUSED' : 'ECONNREFUSED'
        }); answering 503 auth_unavailable. Check that Instant is running and that INSTANT_API_URI (scheme, host, port) points at it.`,
      ])
      expect(logger.lines.join('\n')).not.toContain(ADMIN)
      expect(logger.lines.join('\n')).not.toContain(TOKEN)
    },
  )

  it('https:// against an http port: 503 and a warning with the TLS error code', async () => {
    const logger = recordingLogger()
    const db = makeDb(kind, { appId: APP_ID, adminToken: ADMIN, apiURI: httpsToHttpURI })
    const app = createApp('express5')
    app.route('GET', '/me', requireInstantUser({ db, logger }), (_req, res) => json(res, 200, {}))
    const res = await request(app.handler).get('/me').set('token', TOKEN).expect(503)
    expect(res.body.code).toBe('auth_unavailable')
    expect(logger.lines).toHaveLength(1)
    expect(logger.lines[0]).toMatch(
      new RegExp(
        `^warn: instant-express-auth: Instant at ${httpsToHttpURI.replace(/[.]/g, '\\.')} failed verifyToken \\((INSTANT_UNREACHABLE: )?(ERR_SSL_|EPROTO|ECONNRESET)`,
      ),
    )
  })

  it('Instant stopped while the app runs: 503 and one warning', async () => {
    const local = await startLocal()
    const logger = recordingLogger()
    const db = makeDb(kind, local)
    const token = await userToken(local, 'stopped@example.com')
    const app = createApp('express5')
    app.route('GET', '/me', requireInstantUser({ db, logger, cache: false }), (_req, res) =>
      json(res, 200, {}),
    )
    await request(app.handler).get('/me').set('token', token).expect(200)
    expect(logger.lines).toEqual([])
    const origin = new URL(local.apiURI).origin
    await local.close()
    await request(app.handler).get('/me').set('token', token).expect(503)
    await request(app.handler).get('/me').set('token', token).expect(503)
    expect(logger.lines).toHaveLength(1)
    expect(logger.lines[0]).toContain(`Instant at ${origin} failed verifyToken (`)
    expect(logger.lines[0]).not.toContain(token)
  })
})

describe('wrong app id behind requireInstantUser', () => {
  it.each(DB_KINDS)(
    'every token stays 401, and one error line says how to fix it (%s)',
    async (kind) => {
      const local = await startLocal()
      try {
        const token = await userToken(local, 'real@example.com')
        const logger = recordingLogger()
        const db = makeDb(kind, {
          appId: APP_ID,
          adminToken: local.adminToken,
          apiURI: local.apiURI,
        })
        const app = createApp('express5')
        app.route('GET', '/me', requireInstantUser({ db, logger }), (_req, res) =>
          json(res, 200, {}),
        )
        const first = await request(app.handler).get('/me').set('token', token).expect(401)
        expect(first.body.code).toBe('invalid_token')
        await runningAppIdCheck(db)
        await request(app.handler).get('/me').set('token', TOKEN).expect(401)
        await runningAppIdCheck(db)
        expect(logger.lines).toHaveLength(1)
        expect(logger.lines[0]).toMatch(
          /^error: instant-express-auth: Instant rejected the app credentials \(record-not-found: app-admin-token\)\. Check INSTANT_APP_ID, INSTANT_APP_ADMIN_TOKEN and INSTANT_API_URI.* requireInstantUser answers every token 401 invalid_token until this is fixed/,
        )
        expect(logger.lines[0]).not.toContain(local.adminToken)
        expect(logger.lines[0]).not.toContain(token)
      } finally {
        await local.close()
      }
    },
  )

  it('with the right app id, an invalid token is a 401 and logs nothing', async () => {
    const local = await startLocal()
    try {
      const logger = recordingLogger()
      const db = makeDb('ours', local)
      const app = createApp('express5')
      app.route('GET', '/me', requireInstantUser({ db, logger }), (_req, res) => json(res, 200, {}))
      await request(app.handler).get('/me').set('token', TOKEN).expect(401)
      const check = runningAppIdCheck(db)
      expect(check).toBeInstanceOf(Promise)
      await check
      expect(logger.lines).toEqual([])
    } finally {
      await local.close()
    }
  })
})

describe('no admin token on a router that needs one', () => {
  it.each(DB_KINDS)('500 instant_misconfigured and a fix-it line (%s)', async (kind) => {
    const local = await startLocal()
    try {
      const config = { appId: local.appId, apiURI: local.apiURI }
      const db = (kind === 'ours' ? init(config) : sdkInit(config)) as unknown as InstantAuthDb
      const logger = recordingLogger()
      const app = createApp('express5')
      app.use(
        signInRouter({ db, logger, rateLimit: false, authenticate: () => ({ email: 'a@b.co' }) }),
      )
      const res = await request(app.handler).post('/sign-in').send({}).expect(500)
      expect(res.body.code).toBe('instant_misconfigured')
      expect(logger.lines).toHaveLength(1)
      expect(logger.lines[0]).toMatch(
        /^error: instant-express-auth: the Instant client has no admin token \(createToken\)\. Check INSTANT_APP_ID, INSTANT_APP_ADMIN_TOKEN and INSTANT_API_URI/,
      )
    } finally {
      await local.close()
    }
  })
})

describe('warnUpstream', () => {
  it('warns at most once per interval per key, then counts what it held back', () => {
    const logger = recordingLogger()
    const key = {}
    const db = { config: { apiURI: 'https://instant.example.com/some/path?x=1' } }
    warnUpstream(key, db, logger, 'verifyToken', 'ECONNREFUSED', 1_000)
    warnUpstream(key, db, logger, 'verifyToken', 'ECONNREFUSED', 2_000)
    warnUpstream(key, db, logger, 'getUser', 'ECONNRESET', 3_000)
    warnUpstream({}, db, logger, 'verifyToken', 'ECONNREFUSED', 3_000)
    warnUpstream(
      key,
      db,
      logger,
      'verifyToken',
      'INSTANT_TIMEOUT',
      1_000 + UPSTREAM_WARNING_INTERVAL_MS,
    )
    expect(logger.lines.map((line) => line.replace(/; answering.*?\./, ';'))).toEqual([
      'warn: instant-express-auth: Instant at https://instant.example.com failed verifyToken (ECONNREFUSED); Check that Instant is running and that INSTANT_API_URI (scheme, host, port) points at it.',
      'warn: instant-express-auth: Instant at https://instant.example.com failed verifyToken (ECONNREFUSED); Check that Instant is running and that INSTANT_API_URI (scheme, host, port) points at it.',
      'warn: instant-express-auth: Instant at https://instant.example.com failed verifyToken (INSTANT_TIMEOUT); Check that Instant is running and that INSTANT_API_URI (scheme, host, port) points at it. 2 more failures since the last warning.',
    ])
  })
})
