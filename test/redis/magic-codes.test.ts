/**
 * Magic codes on a real Redis: what a store reader finds there (no code, no email), instances
 * sharing the store verify each other's codes only with the same `codeSecret`, and concurrent
 * guesses cannot overrun a code's attempts when every step is a network round trip.
 */
import { createHash } from 'node:crypto'
import express from 'express'
import request from 'supertest'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { init } from 'instant-express-auth/admin'
import { magicCodeRouter } from 'instant-express-auth'
import { redisStore, type RedisStore } from 'instant-express-auth/redis'
import { resolveCodeSecret, sharedStoreOf } from '../../src/http/code-secret.js'
import { magicCodeRecords } from '../../src/magic-code/magic-code-records.js'
import { CLIENT_KINDS, connectClient, type TestClient } from './clients.js'
import { startRedisServer, type RedisServer } from '../../bench/multi-instance/redis-server.js'
import { startUpstream, type Upstream } from './instances.js'

const SECRET = 'test-only-magic-code-secret-0123456789abcdef'
const OTHER_SECRET = 'test-only-another-magic-code-secret-9876543210'

let redis: RedisServer
let upstream: Upstream
beforeAll(async () => {
  ;[redis, upstream] = await Promise.all([startRedisServer(), startUpstream()])
})
afterAll(async () => {
  await upstream.close()
  await redis.close()
})

describe.each(CLIENT_KINDS)('magic codes on Redis through %s', (kind) => {
  let client: TestClient
  const stores: RedisStore[] = []
  let n = 0
  const freshEmail = (): string => `code${(n += 1)}-${kind}@example.com`

  beforeAll(async () => {
    client = await connectClient(kind, redis.url)
  })
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()))
  })
  afterAll(async () => {
    await client.close()
  })

  function store(): RedisStore {
    const made = redisStore({ client: client.client })
    stores.push(made)
    return made
  }

  /** One instance: its own db client and store, over the shared Redis. */
  function instance(codeSecret: string, limits = false) {
    const { local } = upstream
    const sent = new Map<string, string>()
    const app = express()
    app.use(
      magicCodeRouter({
        db: init({ appId: local.appId, adminToken: local.adminToken, apiURI: upstream.apiURI }),
        store: store(),
        codeSecret,
        ...(limits ? {} : { rateLimit: false as const }),
        sendEmail: ({ email, code }) => void sent.set(email, code),
      }),
    )
    return {
      send: (email: string) => request(app).post('/custom-send-magic-code').send({ email }),
      verify: (email: string, code: string) =>
        request(app).post('/verify-magic-code').send({ email, code }),
      codeFor: (email: string) => sent.get(email)!,
    }
  }

  it('a redisStore without codeSecret is refused at construction', () => {
    const { local } = upstream
    const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: upstream.apiURI })
    expect(() => magicCodeRouter({ db, store: store(), sendEmail: () => {} })).toThrow(
      /`codeSecret` is required with a store other than memoryStore\(\)/,
    )
  })

  it('same secret: a code sent by one instance verifies on the other; another secret: 401 invalid_code', async () => {
    const a = instance(SECRET)
    const b = instance(SECRET)
    const c = instance(OTHER_SECRET)
    const email = freshEmail()
    await a.send(email).expect(200)
    const refused = await c.verify(email, a.codeFor(email)).expect(401)
    expect(refused.body.code).toBe('invalid_code')
    const ok = await b.verify(email, a.codeFor(email)).expect(200)
    expect(ok.body.user.email).toBe(email)
  })

  it('a store reader finds no code and no email: MACs under a key Redis never saw', async () => {
    await client.command('FLUSHALL') // only this test's keys, to read them all
    const a = instance(SECRET, true)
    const email = freshEmail()
    await a.send(email).expect(200)
    const code = a.codeFor(email)
    await a.verify(email, code === '000000' ? '111111' : '000000').expect(401)
    const keys = ((await client.command('KEYS', '*iea:code*')) as string[]).sort()
    expect(keys).toHaveLength(6)
    const dump = [...keys]
    for (const key of keys) {
      const type = await client.command('TYPE', key)
      expect(type).toBe('string')
      dump.push(String(await client.command('GET', key)))
    }
    const text = dump.join('\n')
    expect(text).not.toContain(email.split('@')[0])
    expect(text).not.toContain(createHash('sha256').update(email).digest('base64url').slice(0, 32))
    // The rate-limit counters beside them name emails and IPs by HMACs under the same secret.
    const limits = (await client.command('KEYS', '*rl:*')) as string[]
    expect(limits.length).toBeGreaterThan(0)
    for (const key of limits) {
      expect(key).toMatch(/rl:iea:[a-z-]+:(e|ip|c):[\w-]{32}$/)
      expect(key).not.toContain(createHash('sha256').update(email).digest('base64url').slice(0, 32))
      expect(key).not.toContain('127.0.0.1')
    }
    const raw = dump.find((value) => value.startsWith('{'))!
    const record = JSON.parse(raw) as { id: string; mac: string; issuedAt: number }
    expect(Object.keys(record).sort()).toEqual(['id', 'issuedAt', 'mac'])
    expect(raw).not.toContain(code)
    // The old record's formula for the real code, and plain hashes of it: none is stored.
    for (const input of [`${record.id}:${code}`, code]) {
      for (const encoding of ['base64url', 'hex'] as const) {
        expect(text).not.toContain(createHash('sha256').update(input).digest(encoding))
      }
    }
  })

  it('30 concurrent wrong guesses against a code with 5 attempts: exactly 5 are compared', async () => {
    const shared = store()
    const key = resolveCodeSecret(SECRET, sharedStoreOf(shared, undefined), 'test')
    const records = magicCodeRecords(
      shared,
      {
        ttlMs: 600_000,
        attemptsPerCode: 5,
        dailySendsPerEmail: 20,
        dailyAttemptsPerEmail: 50,
        dailyAttemptsPerClient: 1_000,
      },
      key,
    )
    const email = freshEmail()
    await records.issue(email, '123456')
    const guesses = await Promise.all(
      Array.from({ length: 30 }, () => records.check(email, '10.0.0.1', '000000')),
    )
    const reasons = guesses.map((g) => (g.outcome === 'rejected' ? g.reason : g.outcome))
    expect(reasons.filter((r) => r === 'wrong')).toHaveLength(5)
    expect(reasons.filter((r) => r === 'burned')).toHaveLength(25)
    // Burned: the right code no longer verifies, from any instance.
    expect(await records.check(email, '10.0.0.2', '123456')).toEqual({
      outcome: 'rejected',
      reason: 'burned',
    })
    // Two concurrent right answers to a fresh code: exactly one is accepted.
    await records.issue(email, '654321')
    const right = await Promise.all([
      records.check(email, '10.0.0.3', '654321'),
      records.check(email, '10.0.0.4', '654321'),
    ])
    expect(right.map((r) => r.outcome).sort()).toEqual(['accepted', 'rejected'])
  })
})
