/**
 * Instant failing in every way a network can: each answers 503 auth_unavailable with
 * Retry-After, within the client's timeout, never 401, and never an unhandled rejection.
 */
import { createServer, request as httpRequest, type Server } from 'node:http'
import request from 'supertest'
import { init as sdkInit } from '@instantdb/admin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { init } from '../../src/admin/index.js'
import { magicCodeRouter, memoryStore, requireInstantUser, signInRouter } from '../../src/index.js'
import {
  DEFAULT_CODE_ATTEMPTS,
  DEFAULT_CODE_TTL_MS,
  magicCodeRecords,
} from '../../src/magic-code/magic-code-records.js'
import { resolveCodeSecret, sharedStoreOf } from '../../src/http/code-secret.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import type { LocalInstant } from '../../src/local/index.js'
import {
  FRAMEWORKS,
  close,
  createApp,
  json,
  listen,
  REFUSED_URI,
  recordingLogger,
  startLocal,
} from '../helpers.js'

const APP_ID = '12345678-1234-4234-8234-123456789012'
const ADMIN = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
const TOKEN = '11111111-1111-4111-8111-111111111111'
const TIMEOUT_MS = 300

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
const servers: Server[] = []
const uris: Record<string, string> = {}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  uris['refused'] = REFUSED_URI
  const make = async (name: string, handler: Parameters<typeof createServer>[1]) => {
    const server = createServer(handler)
    servers.push(server)
    uris[name] = await listen(server)
  }
  await make('hangs', () => {})
  await make('500', (_req, res) => {
    res.statusCode = 500
    res.setHeader('content-type', 'application/json')
    res.end('{"type":"unknown","message":"Something went wrong. Sorry about this!"}')
  })
  await make('html', (_req, res) => {
    res.statusCode = 502
    res.setHeader('content-type', 'text/html')
    res.end('<html><body>Bad gateway</body></html>')
  })
  await make('html200', (_req, res) => {
    res.setHeader('content-type', 'text/html')
    res.end('<html>maintenance</html>')
  })
  await make('reset', (req) => req.socket.destroy())
  // A proxy or stub answering 200 with no user: an outage, never "no such token" for everyone.
  await make('empty200', (_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end('{}')
  })
  await make('not-instant', (_req, res) => {
    res.statusCode = 404
    res.setHeader('content-type', 'application/json')
    res.end('{"message":"Oops! We couldn\'t match this route."}')
  })
})

afterAll(async () => {
  await Promise.all(servers.map(close))
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

const FAULTS = ['refused', 'hangs', '500', 'html', 'html200', 'reset', 'empty200'] as const

function ours(fault: string): InstantAuthDb {
  return init({
    appId: APP_ID,
    adminToken: ADMIN,
    apiURI: uris[fault],
    connectTimeoutMs: TIMEOUT_MS,
    headersTimeoutMs: TIMEOUT_MS,
    bodyTimeoutMs: TIMEOUT_MS,
  }) as unknown as InstantAuthDb
}

function sdk(fault: string): InstantAuthDb {
  return sdkInit({
    appId: APP_ID,
    adminToken: ADMIN,
    apiURI: uris[fault],
  }) as unknown as InstantAuthDb
}

describe.each(FRAMEWORKS)('Instant faults on %s', (framework) => {
  // Each test has its own app and client, and the fault servers keep no state: a fault's four
  // tests run at once, so the hanging server's timeouts are waited out together, not in turn.
  describe.concurrent.each(FAULTS)('Instant %s', (fault) => {
    // The SDK has no timeout of its own: `instantTimeoutMs` bounds it (ours times out itself).
    const clients: [string, (fault: string) => InstantAuthDb][] = [
      ['ours', ours],
      ['sdk', sdk],
    ]

    it.each(clients)(
      'requireInstantUser with the %s client → 503 auth_unavailable in time',
      async (_name, make) => {
        const logger = recordingLogger()
        const app = createApp(framework)
        app.route(
          'GET',
          '/me',
          requireInstantUser({ db: make(fault), logger, instantTimeoutMs: TIMEOUT_MS }),
          (_req, res) => json(res, 200, {}),
        )
        const started = performance.now()
        const res = await request(app.handler).get('/me').set('token', TOKEN)
        const elapsed = performance.now() - started
        expect(res.status).toBe(503)
        expect(res.body.code).toBe('auth_unavailable')
        expect(res.headers['retry-after']).toBe('5')
        expect(res.headers['www-authenticate']).toBeUndefined()
        // Bounded, not timed: a hang would last undici's 300 s default; the margin is for busy
        // machines, where this took 2.3 s with the CPUs shared.
        expect(elapsed).toBeLessThan(TIMEOUT_MS + 10_000)
        expect(logger.lines.join('\n')).not.toContain(ADMIN)
        expect(logger.lines.join('\n')).not.toContain(TOKEN)
        // Outages are never cached: the next request asks again (and fails again the same way).
        await request(app.handler).get('/me').set('token', TOKEN).expect(503)
      },
    )

    it.each(clients)('routers with the %s client → 503 auth_unavailable', async (_name, make) => {
      const db = make(fault)
      const app = createApp(framework)
      app.use(
        signInRouter({
          db,
          instantTimeoutMs: TIMEOUT_MS,
          rateLimit: false,
          logger: recordingLogger(),
          authenticate: () => ({ email: 'a@b.co' }),
        }),
      )
      // A code the kit issued (Instant could not have): only such a code is sent on to Instant.
      const store = memoryStore()
      await magicCodeRecords(
        store,
        {
          ttlMs: DEFAULT_CODE_TTL_MS,
          attemptsPerCode: DEFAULT_CODE_ATTEMPTS,
          dailySendsPerEmail: 20,
          dailyAttemptsPerEmail: 50,
          dailyAttemptsPerClient: 20,
        },
        // The key the router will find for this store (a memory store has one of its own).
        resolveCodeSecret(undefined, sharedStoreOf(store, undefined), 'test'),
      ).issue('a@b.co', '123456')
      app.use(
        magicCodeRouter({
          db,
          store,
          instantTimeoutMs: TIMEOUT_MS,
          rateLimit: false,
          logger: recordingLogger(),
          sendEmail: () => {},
        }),
      )
      const signIn = await request(app.handler).post('/sign-in').expect(503)
      expect(signIn.body.code).toBe('auth_unavailable')
      const send = await request(app.handler)
        .post('/custom-send-magic-code')
        .send({ email: 'a@b.co' })
        .expect(503)
      expect(send.body.code).toBe('auth_unavailable')
      const verify = await request(app.handler)
        .post('/verify-magic-code')
        .send({ email: 'a@b.co', code: '123456' })
        .expect(503)
      expect(verify.body.code).toBe('auth_unavailable')
      // The outage did not use the code up: trying it again asks Instant again.
      const again = await request(app.handler)
        .post('/verify-magic-code')
        .send({ email: 'a@b.co', code: '123456' })
        .expect(503)
      expect(again.body.code).toBe('auth_unavailable')
    })
  })
})

describe('misconfiguration', () => {
  it.each(FRAMEWORKS)(
    'an API URI that is not Instant → 500 instant_misconfigured and a fix-it log (%s)',
    async (framework) => {
      for (const make of [ours, sdk]) {
        const logger = recordingLogger()
        const app = createApp(framework)
        app.route(
          'GET',
          '/me',
          requireInstantUser({ db: make('not-instant'), logger }),
          (_req, res) => json(res, 200, {}),
        )
        const res = await request(app.handler).get('/me').set('token', TOKEN).expect(500)
        expect(res.body.code).toBe('instant_misconfigured')
        expect(logger.lines).toHaveLength(1)
        expect(logger.lines[0]).toMatch(
          /^error: instant-express-auth: Instant answered 404 to verifyToken: .*Check INSTANT_APP_ID, INSTANT_APP_ADMIN_TOKEN and INSTANT_API_URI/,
        )
        expect(logger.lines[0]).not.toContain(ADMIN)
      }
    },
  )

  it('a wrong app id → 500 instant_misconfigured on routes that use the admin token', async () => {
    const local = await startLocal()
    try {
      const logger = recordingLogger()
      const db = init({
        appId: APP_ID,
        adminToken: local.adminToken,
        apiURI: local.apiURI,
      }) as unknown as InstantAuthDb
      const app = createApp('express5')
      app.use(
        signInRouter({ db, logger, rateLimit: false, authenticate: () => ({ email: 'a@b.co' }) }),
      )
      const res = await request(app.handler).post('/sign-in').expect(500)
      expect(res.body.code).toBe('instant_misconfigured')
      expect(logger.lines.join('\n')).not.toContain(local.adminToken)
    } finally {
      await local.close()
    }
  })
})

describe('single-flight through a counting proxy', () => {
  let local: LocalInstant
  let proxy: Server
  let proxyURI: string
  let verifyCalls = 0

  beforeAll(async () => {
    local = await startLocal()
    const target = new URL(local.apiURI)
    proxy = createServer((req, res) => {
      if (req.url?.startsWith('/runtime/auth/verify_refresh_token')) verifyCalls++
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        },
      )
      req.pipe(upstream)
    })
    proxyURI = await listen(proxy)
  })
  afterAll(async () => {
    await close(proxy)
    await local.close()
  })

  it.each(FRAMEWORKS)(
    '100 concurrent requests with one new token → one upstream verification (%s)',
    async (framework) => {
      for (const make of [
        () => init({ appId: local.appId, adminToken: local.adminToken, apiURI: proxyURI }),
        () => sdkInit({ appId: local.appId, adminToken: local.adminToken, apiURI: proxyURI }),
      ]) {
        const db = make() as unknown as InstantAuthDb
        const token = await db.auth.createToken({
          email: `flight-${framework}-${Math.random()}@example.com`,
        })
        const app = createApp(framework)
        app.route('GET', '/me', requireInstantUser({ db }), (req, res) =>
          json(res, 200, { id: req.instant.user.id }),
        )
        const server = createServer(app.handler)
        const base = await listen(server)
        verifyCalls = 0
        const answers = await Promise.all(
          Array.from({ length: 100 }, () =>
            fetch(`${base}/me`, { headers: { token } }).then((r) => r.status),
          ),
        )
        await close(server)
        expect(answers).toEqual(Array.from({ length: 100 }, () => 200))
        expect(verifyCalls).toBe(1)
      }
    },
  )
})
