/**
 * At `instantTimeoutMs` the kit answers 503 and cancels the upstream call: against an upstream
 * that trickles its answer forever, sockets must not pile up (one per distinct token).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { init } from '../../src/admin/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import { magicCodeRouter, requireInstantUser, signInRouter } from '../../src/index.js'
import { close, createApp, createServer, json, listen } from '../helpers.js'

const APP_ID = '5c1e7c52-3b0e-4a86-9d59-8f1d3b3f1a11'
const TIMEOUT_MS = 200
/**
 * The routers' test counts the calls that reached the upstream, so its timeout must outlast
 * getting 20 calls there: on a loaded machine (three test forks on two cores) that took more
 * than 200 ms, and calls timed out before they were sent.
 */
const ROUTERS_TIMEOUT_MS = 2_000
const ADMIN_TOKEN = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'

/** Answers 200 and then one byte of JSON whitespace every 50 ms, never finishing. */
let requests = 0
let active = 0
const trickle = createServer((_req: IncomingMessage, res: ServerResponse) => {
  requests++
  active++
  res.writeHead(200, { 'content-type': 'application/json' })
  const timer = setInterval(() => res.write(' '), 50)
  res.on('close', () => {
    active--
    clearInterval(timer)
  })
})
let apiURI: string

beforeAll(async () => {
  apiURI = await listen(trickle)
})
afterAll(() => close(trickle))

function tokenAt(i: number): string {
  return `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
}

function app(db: InstantAuthDb) {
  const a = createApp('express5')
  a.route(
    'GET',
    '/me',
    requireInstantUser({ db, instantTimeoutMs: TIMEOUT_MS, logger: { warn() {}, error() {} } }),
    (req, res) => json(res, 200, { id: req.instant.user.id }),
  )
  return a
}

async function wave(handler: ReturnType<typeof app>['handler'], from: number, size: number) {
  const answers = await Promise.all(
    Array.from({ length: size }, (_, i) =>
      request(handler)
        .get('/me')
        .set('token', tokenAt(from + i)),
    ),
  )
  for (const res of answers) {
    expect(res.status).toBe(503)
    expect(res.body.code).toBe('auth_unavailable')
  }
}

/** Bounded wait for the upstream to see its late responses closed. */
async function settled(expected: (activeNow: number) => boolean): Promise<void> {
  for (let i = 0; i < 100 && !expected(active); i++) await new Promise((r) => setTimeout(r, 20))
}

describe('cancelling timed-out calls to Instant', () => {
  it('our client: every timed-out verification is aborted, so no upstream response lives on', async () => {
    const db = init({ appId: APP_ID, apiURI }) as unknown as InstantAuthDb
    const { handler } = app(db)
    const before = requests
    for (let w = 0; w < 3; w++) await wave(handler, w * 20, 20)
    expect(requests - before).toBeGreaterThan(0)
    await settled((n) => n === 0)
    expect(active).toBe(0)
    await (db as unknown as { close(): Promise<void> }).close()
  })

  it('our client: the routers cancel their timed-out calls too (createToken, generateMagicCode)', async () => {
    const db = init({ appId: APP_ID, adminToken: ADMIN_TOKEN, apiURI }) as unknown as InstantAuthDb
    const common = {
      db,
      instantTimeoutMs: ROUTERS_TIMEOUT_MS,
      rateLimit: false as const,
      logger: { warn() {}, error() {} },
    }
    const a = createApp('express5')
    a.use(
      signInRouter({ ...common, authenticate: (req) => ({ email: String(req.body['email']) }) }),
    )
    a.use(magicCodeRouter({ ...common, sendEmail: () => {} }))
    const before = requests
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(a.handler)
          .post(i % 2 === 0 ? '/sign-in' : '/custom-send-magic-code')
          .send({ email: `abort-${i}@example.com` }),
      ),
    )
    for (const res of answers) {
      expect(res.status).toBe(503)
      expect(res.body.code).toBe('auth_unavailable')
    }
    expect(requests - before).toBe(20)
    await settled((n) => n === 0)
    expect(active).toBe(0)
    await (db as unknown as { close(): Promise<void> }).close()
  })
})
