/**
 * `instantErrorHandler()`: what a handler's `req.instant.db` throws becomes problem+json
 * (403 permission_denied, 400 invalid_query, 503 with Retry-After, 429), as do kit errors handed
 * on with `onError: 'next'`; anything else is a generic 500 without a stack. Express 5, Express 4
 * and Connect, with both clients.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import request from 'supertest'
import { init as sdkInit } from '@instantdb/admin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { id, init } from '../src/admin/index.js'
import type { InstantAuthDb } from '../src/instant/instant-db.js'
import { instantErrorHandler, requireInstantUser } from '../src/index.js'
import type { LocalInstant } from '../src/local/index.js'
import {
  DB_KINDS,
  FRAMEWORKS,
  close,
  createApp,
  json,
  listen,
  makeDb,
  recordingLogger,
  startLocal,
  userToken,
  type DbKind,
  type Framework,
} from './helpers.js'

const RULES = {
  todos: {
    allow: {
      view: 'auth.id != null',
      create: 'auth.id != null && auth.id == newData.ownerId',
    },
  },
}

let local: LocalInstant
let token: string
let rateLimited: Server
let rateLimitedURI: string
/** Answers every call with the status its path starts with: `/401/admin/query` → 401. */
let refusing: Server
let refusingURI: string

beforeAll(async () => {
  local = await startLocal()
  local.setRules(RULES)
  token = await userToken(local, 'alice@example.com')
  rateLimited = createServer((_req, res) =>
    json(res, 429, { type: 'rate-limited', message: 'Too many requests' }),
  )
  rateLimitedURI = await listen(rateLimited)
  refusing = createServer((req, res) => {
    const status = Number(req.url?.split('/')[1])
    // A 403 whose body even says `permission-denied`: the status decides, not the body.
    json(res, status, status === 403 ? { type: 'permission-denied' } : { message: 'Unauthorized' })
  })
  refusingURI = await listen(refusing)
})

afterAll(async () => {
  await local.close()
  await close(rateLimited)
  await close(refusing)
})

type Req = IncomingMessage & { instant: { db: any; user: { id: string } } }

/** A handler that works on Express 4 too: rejections go to `next`. */
function handler(work: (req: Req) => Promise<unknown>) {
  return (req: Req, res: ServerResponse, next: (err?: unknown) => void) => {
    work(req).then((body) => json(res, 200, body), next)
  }
}

/** The production answer by default: `reasons` has its own tests below. */
function appWith(
  framework: Framework,
  db: InstantAuthDb,
  logger = recordingLogger(),
  reasons = false,
) {
  const app = createApp(framework)
  const auth = requireInstantUser({ db, logger })
  app.route(
    'POST',
    '/denied',
    auth,
    handler((req) =>
      req.instant.db.transact([
        req.instant.db.tx.todos[id()].update({ title: 'x', ownerId: 'someone-else' }),
      ]),
    ),
  )
  app.route(
    'GET',
    '/bad-query',
    auth,
    handler((req) => req.instant.db.query({ todos: { owner: [] } })),
  )
  app.route(
    'GET',
    '/ok',
    auth,
    handler((req) => req.instant.db.query({ todos: {} })),
  )
  app.route(
    'GET',
    '/next',
    requireInstantUser({ db, logger, onError: 'next' }),
    handler(async () => ({})),
  )
  app.route(
    'GET',
    '/boom',
    handler(() => Promise.reject(new Error(`boom ${token}`))),
  )
  app.route('GET', '/client-error', (_req: unknown, _res: unknown, next: (e: unknown) => void) =>
    next(Object.assign(new Error('Bad JSON'), { status: 400, expose: true })),
  )
  app.useErrorHandler(instantErrorHandler({ logger, reasons }))
  return { app, logger }
}

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status)
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
  expect(res.headers['cache-control']).toBe('no-store')
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.body.code).toBe(code)
  expect(res.body.status).toBe(status)
  expect(JSON.stringify(res.body)).not.toContain('at ')
  expect(JSON.stringify(res.body)).not.toContain(token)
}

describe.each(FRAMEWORKS)('instantErrorHandler on %s', (framework) => {
  describe.each(DB_KINDS)('with the %s client', (kind: DbKind) => {
    it('a write a permission rule refuses → 403 permission_denied', async () => {
      const { app } = appWith(framework, makeDb(kind, local))
      const res = await request(app.handler).post('/denied').set('token', token)
      expectProblem(res, 403, 'permission_denied')
      expect(res.body).toEqual({
        type: 'urn:instant-express-auth:error:permission_denied',
        title: 'Permission denied',
        status: 403,
        detail: 'A permission rule refused this read or write.',
        code: 'permission_denied',
      })
    })

    it('a malformed query → 400 invalid_query', async () => {
      const { app } = appWith(framework, makeDb(kind, local))
      expectProblem(
        await request(app.handler).get('/bad-query').set('token', token),
        400,
        'invalid_query',
      )
      await request(app.handler).get('/ok').set('token', token).expect(200)
    })

    it('Instant down while the handler queries → 503 with Retry-After, one warning', async () => {
      const own = await startLocal()
      const ownToken = await userToken(own, 'down@example.com')
      const { app, logger } = appWith(framework, makeDb(kind, own))
      // Verified once and cached: the middleware answers from the cache, the query fails.
      await request(app.handler).get('/ok').set('token', ownToken).expect(200)
      await own.close()
      const res = await request(app.handler).get('/ok').set('token', ownToken)
      expectProblem(res, 503, 'auth_unavailable')
      expect(res.headers['retry-after']).toBe('5')
      expect(res.body.detail).toBe('The database is unavailable; try again shortly.')
      await request(app.handler).get('/ok').set('token', ownToken).expect(503)
      expect(logger.lines).toHaveLength(1)
      expect(logger.lines[0]).toMatch(
        /^warn: instant-express-auth: Instant failed a query or transaction \((INSTANT_UNREACHABLE: )?ECONNREFUSED\); answering 503 auth_unavailable\./,
      )
      expect(logger.lines[0]).not.toContain(ownToken)
    })

    it('Instant rate-limits the app → 429 rate_limited with Retry-After', async () => {
      const limited = (kind === 'ours'
        ? init({ appId: local.appId, adminToken: local.adminToken, apiURI: rateLimitedURI })
        : sdkInit({
            appId: local.appId,
            adminToken: local.adminToken,
            apiURI: rateLimitedURI,
          })) as unknown as InstantAuthDb
      const app = createApp(framework)
      app.route(
        'GET',
        '/limited',
        handler(() => (limited.asUser({ token }) as any).query({ todos: {} })),
      )
      app.useErrorHandler(instantErrorHandler({ logger: recordingLogger() }))
      const res = await request(app.handler).get('/limited')
      expectProblem(res, 429, 'rate_limited')
      expect(res.headers['retry-after']).toBe('60')
    })
    it.each([401, 403])(
      'Instant (or a proxy before it) answers %i to a query → 500 instant_misconfigured, fix-it log',
      async (status) => {
        const config = {
          appId: local.appId,
          adminToken: local.adminToken,
          apiURI: `${refusingURI}/${status}`,
        }
        const refused = (kind === 'ours'
          ? init(config)
          : sdkInit(config)) as unknown as InstantAuthDb
        const logger = recordingLogger()
        const app = createApp(framework)
        app.route(
          'GET',
          '/refused',
          handler(() => (refused.asUser({ token }) as any).query({ todos: {} })),
        )
        app.useErrorHandler(instantErrorHandler({ logger }))
        const res = await request(app.handler).get('/refused')
        expectProblem(res, 500, 'instant_misconfigured')
        expect(logger.lines).toEqual([
          `error: instant-express-auth: Instant answered ${status} to a query or transaction. Check INSTANT_APP_ID, INSTANT_APP_ADMIN_TOKEN and INSTANT_API_URI: the admin token must belong to the app id, and the API URI must point at your Instant server.`,
        ])
        expect(JSON.stringify(res.body)).not.toContain(local.adminToken)
      },
    )
  })

  it("a kit error handed on with onError: 'next' keeps its status, code and headers", async () => {
    const { app } = appWith(framework, makeDb('ours', local))
    const res = await request(app.handler).get('/next')
    expectProblem(res, 401, 'missing_token')
    expect(res.headers['www-authenticate']).toBe('Bearer realm="instant"')
  })

  it('any other error → generic 500 internal_error; the stack goes to the log only', async () => {
    const { app, logger } = appWith(framework, makeDb('ours', local))
    const res = await request(app.handler).get('/boom?email=a@b.co')
    expectProblem(res, 500, 'internal_error')
    expect(res.body.detail).toBe('Something went wrong.')
    expect(res.text).not.toContain('boom')
    expect(logger.lines).toHaveLength(1)
    expect(logger.lines[0]).toMatch(
      /^error: instant-express-auth: GET \/boom threw; answering 500 internal_error\.\nError: boom /,
    )
    expect(logger.lines[0]).not.toContain('a@b.co')
  })

  it("another middleware's 4xx error is passed on untouched", async () => {
    const { app } = appWith(framework, makeDb('ours', local))
    const res = await request(app.handler).get('/client-error')
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).not.toContain('problem+json')
  })
})

describe.each(FRAMEWORKS)('reasons in development on %s', (framework) => {
  it("a rule's refusal and a malformed write say why, in detail and one log line, never a token", async () => {
    const logger = recordingLogger()
    const { app } = appWith(framework, makeDb('ours', local), logger, true)
    const denied = await request(app.handler).post('/denied').set('token', token)
    expectProblem(denied, 403, 'permission_denied')
    expect(denied.body.detail).toMatch(
      /^A permission rule refused this read or write\. Instant said: Permission denied/,
    )
    const bad = await request(app.handler).get('/bad-query').set('token', token)
    expectProblem(bad, 400, 'invalid_query')
    expect(bad.body.detail).toMatch(
      /^Instant refused the query or transaction as malformed\. Instant said: \S/,
    )
    const warnings = logger.lines.filter((line) => line.startsWith('warn:'))
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(
      /^warn: instant-express-auth: POST \/denied: permission_denied: Permission denied/,
    )
    expect(warnings[1]).toMatch(/^warn: instant-express-auth: GET \/bad-query: invalid_query: /)
    expect(logger.lines.join('\n')).not.toContain(token)
  })

  it("is off when NODE_ENV is 'production', read when the handler is made; the option forces it", () => {
    const before = process.env['NODE_ENV']
    const made = (options = {}) => {
      const logger = recordingLogger()
      const handle = instantErrorHandler({ logger, ...options })
      const refusal = Object.assign(new Error('refused'), {
        status: 400,
        body: { type: 'validation-failed', message: 'Validation failed for tx-step: bad title.' },
      })
      let body = ''
      const res = {
        headersSent: false,
        statusCode: 0,
        setHeader() {},
        getHeader() {},
        removeHeader() {},
        end(payload: string) {
          body = payload
        },
      }
      handle(refusal, { method: 'POST', url: '/x', headers: {} } as never, res as never, () => {})
      return { detail: (JSON.parse(body) as { detail: string }).detail, lines: logger.lines }
    }
    try {
      process.env['NODE_ENV'] = 'production'
      expect(made()).toEqual({
        detail: 'Instant refused the query or transaction as malformed.',
        lines: [],
      })
      expect(made({ reasons: true }).detail).toBe(
        'Instant refused the query or transaction as malformed. Instant said: Validation failed for tx-step: bad title.',
      )
      process.env['NODE_ENV'] = 'development'
      expect(made().lines).toHaveLength(1)
      expect(made({ reasons: false }).detail).toBe(
        'Instant refused the query or transaction as malformed.',
      )
    } finally {
      if (before === undefined) delete process.env['NODE_ENV']
      else process.env['NODE_ENV'] = before
    }
    expect(() => instantErrorHandler({ reasons: 'yes' as never })).toThrow(
      "instantErrorHandler(): `reasons` must be a boolean (default: on unless NODE_ENV is 'production'); got a string.",
    )
  })
})

describe('instantErrorHandler options', () => {
  it('validates options at factory time', () => {
    expect(() => instantErrorHandler({ loger: console } as never)).toThrow(
      'instantErrorHandler(): unknown option `loger` (did you mean `logger`?).',
    )
    expect(() => instantErrorHandler({ logger: {} as never })).toThrow(TypeError)
    expect(instantErrorHandler().name).toBe('instantErrorHandler')
    expect(instantErrorHandler().length).toBe(4)
  })
})
