/**
 * Three app processes, one Local Instant, one Redis (issue 14): revocation, the magic-code
 * guessing budget and verification are shared; Redis going away fails the limits closed and
 * recovers by itself. Both node-redis and ioredis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLIENT_KINDS } from './clients.js'
import { startRedisServer, type RedisServer } from '../../bench/multi-instance/redis-server.js'
import { call, startInstance, startUpstream, type Instance, type Upstream } from './instances.js'

/** Polls (bounded) until `check` holds; returns the ms it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now()
  while (!(await check())) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return performance.now() - started
}

describe.each(CLIENT_KINDS)('three instances sharing Redis through %s', (client) => {
  let redis: RedisServer
  let upstream: Upstream
  let a: Instance
  let b: Instance
  let c: Instance
  let n = 0
  /** A fresh email per test, so limits and records of one test never touch another. */
  const freshEmail = (): string => `user${(n += 1)}-${client}@example.com`

  beforeAll(async () => {
    ;[redis, upstream] = await Promise.all([startRedisServer(), startUpstream()])
    const options = { upstream, redisUrl: redis.url, client }
    ;[a, b, c] = await Promise.all([
      startInstance(options),
      startInstance(options),
      startInstance(options),
    ])
  }, 120_000)

  afterAll(async () => {
    await Promise.all([a, b, c].map((instance) => instance?.close()))
    await upstream?.close()
    await redis?.close()
  })

  async function signIn(on: Instance, email: string): Promise<string> {
    const answer = await call(on, 'POST', '/sign-in', { body: { email, password: 'right' } })
    expect(answer.status).toBe(200)
    return answer.body.token as string
  }

  it('one upstream verification for a token used on all three instances', async () => {
    const token = await signIn(a, freshEmail())
    const before = upstream.verifications()
    for (const instance of [a, b, c, a, b, c]) {
      expect((await call(instance, 'GET', '/me', { token })).status).toBe(200)
    }
    expect(upstream.verifications() - before).toBe(1)
    // Redis holds the user under the token's hash, never the token.
    const unknown = await call(b, 'GET', '/me', { token: crypto.randomUUID() })
    expect(unknown).toMatchObject({ status: 401, code: 'invalid_token' })
  })

  it('sign-out on one instance: the others answer 401 at once (not after their 30 s cache)', async () => {
    const token = await signIn(a, freshEmail())
    for (const instance of [a, b, c]) {
      expect((await call(instance, 'GET', '/me', { token })).status).toBe(200)
    }
    expect((await call(a, 'POST', '/sign-out', { token })).status).toBe(204)
    // Bounded poll; the p50/p99 of this propagation is measured by `npm run bench`.
    for (const instance of [b, c]) {
      await within(
        2_000,
        async () => (await call(instance, 'GET', '/me', { token })).status === 401,
      )
    }
    expect(await call(c, 'GET', '/me', { token })).toMatchObject({
      status: 401,
      code: 'invalid_token',
    })
  })

  it("sign-out of every session: the user's other tokens are refused on every instance", async () => {
    const email = freshEmail()
    const first = await signIn(a, email)
    const second = await signIn(b, email)
    for (const instance of [a, b, c]) {
      expect((await call(instance, 'GET', '/me', { token: second })).status).toBe(200)
    }
    expect((await call(c, 'POST', '/sign-out-all', { token: first })).status).toBe(204)
    for (const instance of [a, b]) {
      await within(
        2_000,
        async () => (await call(instance, 'GET', '/me', { token: second })).status === 401,
      )
    }
  })

  /** Wrong guesses, in turn on `instances`, then the right code: the statuses in order. */
  async function guessing(instances: Instance[], wrong: number): Promise<number[]> {
    const email = freshEmail()
    expect(
      (await call(instances[0]!, 'POST', '/custom-send-magic-code', { body: { email } })).status,
    ).toBe(200)
    const code = instances[0]!.codeFor(email)
    expect(code).toMatch(/^\d{6}$/)
    const wrongCode = code === '000000' ? '111111' : '000000'
    const statuses: number[] = []
    for (let i = 0; i < wrong; i += 1) {
      const on = instances[i % instances.length]!
      statuses.push(
        (await call(on, 'POST', '/verify-magic-code', { body: { email, code: wrongCode } })).status,
      )
    }
    const last = instances[wrong % instances.length]!
    statuses.push(
      (await call(last, 'POST', '/verify-magic-code', { body: { email, code } })).status,
    )
    return statuses
  }

  it('a code sent by one instance verifies on another; wrong guesses count once across all three', async () => {
    // 4 wrong guesses spread over A, B, C, then the right code on B: accepted.
    expect(await guessing([a, b, c], 4)).toEqual([401, 401, 401, 401, 200])
    // 5 wrong guesses exhaust the budget wherever they land: the same answers as on one instance.
    const spread = await guessing([a, b, c], 5)
    const single = await guessing([a], 5)
    expect(spread).toEqual(single)
    expect(spread.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(spread[5]).toBe(429)
  })
})

describe.each(CLIENT_KINDS)('Redis (%s) killed mid-traffic', (client) => {
  let redis: RedisServer
  let upstream: Upstream
  let a: Instance
  let b: Instance

  beforeAll(async () => {
    ;[redis, upstream] = await Promise.all([startRedisServer(), startUpstream()])
    const options = { upstream, redisUrl: redis.url, client }
    ;[a, b] = await Promise.all([startInstance(options), startInstance(options)])
  }, 120_000)

  afterAll(async () => {
    await Promise.all([a, b].map((instance) => instance?.close()))
    await upstream?.close()
    await redis?.close()
  })

  it('limits and codes answer 503 auth_unavailable, verification falls back to Instant, all recover', async () => {
    const email = `down-${client}@example.com`
    const signedIn = await call(a, 'POST', '/sign-in', { body: { email, password: 'right' } })
    const cached = signedIn.body.token as string
    const fresh = (await call(a, 'POST', '/sign-in', { body: { email, password: 'right' } })).body
      .token as string
    expect((await call(b, 'GET', '/me', { token: cached })).status).toBe(200)

    await redis.stop()
    // Fail closed: no limiter, no code check without Redis.
    expect(
      await call(a, 'POST', '/custom-send-magic-code', { body: { email: 'x@example.com' } }),
    ).toMatchObject({ status: 503, code: 'auth_unavailable' })
    expect(
      await call(b, 'POST', '/verify-magic-code', {
        body: { email: 'x@example.com', code: '123456' },
      }),
    ).toMatchObject({ status: 503, code: 'auth_unavailable' })
    expect(await call(a, 'POST', '/sign-in', { body: { email, password: 'wrong' } })).toMatchObject(
      { status: 503, code: 'auth_unavailable' },
    )
    // Verification: the local cache, then Instant.
    expect(await call(b, 'GET', '/me', { token: cached })).toMatchObject({ status: 200 })
    expect(await call(b, 'GET', '/me', { token: fresh })).toMatchObject({ status: 200 })
    expect(await call(a, 'GET', '/me', { token: crypto.randomUUID() })).toMatchObject({
      status: 401,
      code: 'invalid_token',
    })
    // Many requests while it is down: one warning per process, no crash.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        call(a, 'POST', '/custom-send-magic-code', { body: { email: 'y@example.com' } }),
      ),
    )

    await redis.start()
    await within(10_000, async () => {
      const answer = await call(a, 'POST', '/custom-send-magic-code', {
        body: { email: 'back@example.com' },
      })
      return answer.status === 200
    })
    expect(a.codeFor('back@example.com')).toMatch(/^\d{6}$/)
    await within(10_000, async () => {
      const answer = await call(b, 'POST', '/verify-magic-code', {
        body: { email: 'back@example.com', code: a.codeFor('back@example.com') },
      })
      return answer.status === 200
    })

    for (const instance of [a, b]) {
      expect(instance.alive()).toBe(true)
      expect(instance.stderr()).not.toMatch(/unhandledRejection|^error:/m)
      expect(instance.stderr().match(/Redis is unavailable/g)?.length ?? 0).toBeLessThanOrEqual(1)
    }
    expect(a.stderr()).toMatch(/Redis is unavailable/)
  })
})
