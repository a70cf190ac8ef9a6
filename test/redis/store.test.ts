import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isKitError } from 'instant-express-auth'
import { redisStore, type RedisStore } from 'instant-express-auth/redis'
import { CLIENT_KINDS, connectClient, type TestClient } from './clients.js'
import { startRedisServer, type RedisServer } from '../../bench/multi-instance/redis-server.js'

let server: RedisServer
beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  await server.close()
})

/** Collects warnings; fails a test that would print an error. */
function recordingLogger() {
  const warnings: string[] = []
  return {
    warnings,
    logger: {
      warn: (message: string) => void warnings.push(message),
      error: (message: string) => {
        throw new Error(`unexpected error log: ${message}`)
      },
    },
  }
}

/** Waits (bounded) until `check` holds. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

describe('redisStore options', () => {
  it('rejects a missing or foreign client, unknown options and bad values, naming them', async () => {
    expect(() => redisStore(undefined as never)).toThrow(
      new TypeError(
        'redisStore(): `options` must be an object, e.g. redisStore({ client }); got undefined.',
      ),
    )
    expect(() => redisStore({ client: {} as never })).toThrow(
      /^redisStore\(\): `client` must be a node-redis client .*; got an object\.$/,
    )
    expect(() => redisStore({ client: null as never })).toThrow(TypeError)
    const { client, close } = await connectClient('node-redis', server.url)
    try {
      expect(() => redisStore({ client, prefx: 'a' } as never)).toThrow(/unknown option `prefx`/)
      expect(() => redisStore({ client, prefix: 1 as never })).toThrow(/`prefix`/)
      expect(() => redisStore({ client, commandTimeoutMs: 0 })).toThrow(/`commandTimeoutMs`/)
      expect(() => redisStore({ client, logger: {} as never })).toThrow(/`logger`/)
    } finally {
      await close()
    }
  })
})

describe.each(CLIENT_KINDS)('redisStore on %s', (kind) => {
  let redis: TestClient
  let store: RedisStore
  let log: ReturnType<typeof recordingLogger>

  beforeAll(async () => {
    redis = await connectClient(kind, server.url)
  })
  afterAll(async () => {
    await redis.close()
  })
  afterEach(async () => {
    await store.close()
    await redis.command('FLUSHALL')
  })

  function makeStore(options: { prefix?: string; commandTimeoutMs?: number } = {}): RedisStore {
    log = recordingLogger()
    store = redisStore({ client: redis.client, logger: log.logger, ...options })
    return store
  }

  it('hit: a fixed window that starts at the first hit and is not extended by later ones', async () => {
    makeStore({ prefix: 'app1:' })
    const before = Date.now()
    const first = await store.hit('iea:k', 60_000)
    expect(first.count).toBe(1)
    expect(first.resetAt).toBeGreaterThanOrEqual(before + 59_000)
    expect(first.resetAt).toBeLessThanOrEqual(Date.now() + 60_000)
    const sent = Date.now()
    const second = await store.hit('iea:k', 120_000)
    const took = Date.now() - sent
    expect(second.count).toBe(2)
    // resetAt is the local clock at the reply plus Redis's PTTL: it may run late by up to the
    // call's own time (the reply's latency; whole ms, so +2), never by the 60 s an extension adds.
    expect(second.resetAt).toBeLessThanOrEqual(first.resetAt + took + 2)
    expect(await store.get('iea:k')).toBe('2')
    expect(await redis.command('GET', 'app1:iea:k')).toBe('2')
    expect(Number(await redis.command('PTTL', 'app1:iea:k'))).toBeLessThanOrEqual(60_000)
    // After SCRIPT FLUSH, EVALSHA answers NOSCRIPT: the store sends EVAL, with no warning.
    await redis.command('SCRIPT', 'FLUSH')
    expect((await store.hit('iea:k', 60_000)).count).toBe(3)
    expect(log.warnings).toEqual([])
  })

  it('hit: concurrent hits from two stores (two instances) count once each', async () => {
    makeStore()
    const other = redisStore({ client: redis.client })
    const counts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).hit('iea:n', 60_000)),
    )
    expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    )
  })

  it('put replaces a counter; hit on a plain value starts a new counter', async () => {
    makeStore()
    await store.hit('iea:c', 1_000)
    await store.put('iea:c', 'v', 1_000)
    expect(await store.get('iea:c')).toBe('v')
    expect((await store.hit('iea:c', 1_000)).count).toBe(1)
  })

  it('put/get/delete with a real expiry (PX), take is GETDEL', async () => {
    makeStore()
    await store.put('iea:a', 'one', 10_000)
    expect(await store.get('iea:a')).toBe('one')
    const ttl = Number(await redis.command('PTTL', 'iea:a'))
    expect(ttl).toBeGreaterThan(9_000)
    expect(ttl).toBeLessThanOrEqual(10_000)
    await store.put('iea:short', 'x', 20)
    await eventually(async () => (await store.get('iea:short')) === undefined)
    await store.delete('iea:a')
    await store.delete('iea:missing')
    expect(await store.get('iea:a')).toBeUndefined()
    await store.put('iea:once', 'v', 10_000)
    const taken = await Promise.all(Array.from({ length: 10 }, () => store.take('iea:once')))
    expect(taken.filter((v) => v === 'v')).toHaveLength(1)
    expect(taken.filter((v) => v === undefined)).toHaveLength(9)
  })

  it('rateLimitStore: express-rate-limit increment/get/decrement/resetKey under its prefix', async () => {
    makeStore({ prefix: 'p:' })
    const limiter = store.rateLimitStore('rl:')
    expect(limiter.localKeys).toBe(false)
    limiter.init({ windowMs: 30_000 })
    expect(await limiter.get('k')).toBeUndefined()
    const one = await limiter.increment('k')
    expect(one.totalHits).toBe(1)
    expect(one.resetTime!.getTime()).toBeGreaterThan(Date.now() + 29_000)
    expect((await limiter.increment('k')).totalHits).toBe(2)
    await limiter.decrement('k')
    expect((await limiter.get('k'))?.totalHits).toBe(1)
    await limiter.decrement('k')
    await limiter.decrement('k')
    expect((await limiter.get('k'))?.totalHits).toBe(0)
    expect(await redis.command('GET', 'p:rl:k')).toBe('0')
    await limiter.resetKey('k')
    expect(await limiter.get('k')).toBeUndefined()
  })

  it('publish reaches every subscriber, in this and another store; unsubscribe stops it', async () => {
    makeStore({ prefix: 'app:' })
    const other = redisStore({ client: redis.client, prefix: 'app:' })
    const foreign = redisStore({ client: redis.client, prefix: 'other-app:' })
    const here: string[] = []
    const there: string[] = []
    const elsewhere: string[] = []
    store.subscribe('iea:revoke', (m) => void here.push(m))
    const stop = other.subscribe('iea:revoke', (m) => void there.push(m))
    foreign.subscribe('iea:revoke', (m) => void elsewhere.push(m))
    try {
      // A subscription is live once a publish reaches it; publish until both have one.
      await eventually(async () => {
        await store.publish('iea:revoke', 'ping')
        return here.length > 0 && there.length > 0
      })
      // Pings still in flight may arrive after this point: look at the other messages only.
      const real = (messages: string[]) => messages.filter((m) => m !== 'ping')
      await other.publish('iea:revoke', 'hello')
      await eventually(() => real(here).length === 1 && real(there).length === 1)
      expect(real(here)).toEqual(['hello'])
      expect(real(there)).toEqual(['hello'])
      stop()
      await store.publish('iea:revoke', 'again')
      await eventually(() => real(here).length === 2)
      expect(real(here)).toEqual(['hello', 'again'])
      expect(real(there)).toEqual(['hello'])
      expect(elsewhere).toEqual([])
    } finally {
      await other.close()
      await foreign.close()
    }
  })
})

describe.each(CLIENT_KINDS)('redisStore on %s when Redis goes away', (kind) => {
  it('down: every operation rejects at once with 503 auth_unavailable; one warning; recovers by itself', async () => {
    const own = await startRedisServer()
    const redis = await connectClient(kind, own.url)
    const log = recordingLogger()
    const store = redisStore({ client: redis.client, logger: log.logger })
    try {
      expect((await store.hit('iea:x', 60_000)).count).toBe(1)
      await own.stop()
      const started = performance.now()
      const errors = await Promise.all([
        rejection(store.hit('iea:x', 60_000)),
        rejection(store.get('iea:x')),
        rejection(store.put('iea:x', 'v', 1_000)),
        rejection(store.take('iea:x')),
        rejection(store.delete('iea:x')),
        rejection(store.publish('iea:revoke', 'm')),
        rejection(store.rateLimitStore('rl:').increment('k')),
      ])
      expect(performance.now() - started).toBeLessThan(2_000)
      for (const error of errors) {
        expect(isKitError(error)).toBe(true)
        expect(error).toMatchObject({ code: 'auth_unavailable', status: 503 })
        expect((error as { headers: Record<string, string> }).headers['Retry-After']).toBe('5')
      }
      expect(log.warnings).toHaveLength(1)
      expect(log.warnings[0]).toMatch(/^instant-express-auth\/redis: Redis is unavailable/)
      await own.start()
      // Back with an empty script cache: EVALSHA answers NOSCRIPT, the store sends EVAL.
      await eventually(async () => {
        try {
          return (await store.hit('iea:x', 60_000)).count === 1
        } catch {
          return false
        }
      }, 10_000)
      expect((await store.hit('iea:x', 60_000)).count).toBe(2)
      expect(log.warnings).toHaveLength(1)
    } finally {
      await store.close()
      await redis.close()
      await own.close()
    }
  })

  it('slow (stopped process, connection open): a command rejects after commandTimeoutMs', async () => {
    const own = await startRedisServer()
    const redis = await connectClient(kind, own.url)
    const log = recordingLogger()
    const store = redisStore({ client: redis.client, logger: log.logger, commandTimeoutMs: 200 })
    try {
      await store.put('iea:s', 'v', 60_000)
      own.pause()
      const started = performance.now()
      const error = await rejection(store.get('iea:s'))
      const elapsed = performance.now() - started
      expect(error).toMatchObject({ code: 'auth_unavailable', status: 503 })
      expect(elapsed).toBeGreaterThanOrEqual(190)
      expect(elapsed).toBeLessThan(2_000)
      own.resume()
      await eventually(async () => {
        try {
          return (await store.get('iea:s')) === 'v'
        } catch {
          return false
        }
      })
    } finally {
      own.resume()
      await store.close()
      await redis.close()
      await own.close()
    }
  })
})
