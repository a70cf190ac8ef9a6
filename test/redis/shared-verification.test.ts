/**
 * Shared verification in one process: each "instance" is its own admin client, kit and Redis
 * connection (so its own caches), as separate processes would have. Covers what the
 * three-process test does not: shared "invalid" answers, the user revocation marker for tokens
 * the publisher never saw, what Redis holds, and cookie sessions revoked the same way.
 */
import { createServer, type Server } from 'node:http'
import express from 'express'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { init } from 'instant-express-auth/admin'
import {
  instantHandler,
  requireInstantUser,
  signInRouter,
  signOutRouter,
} from 'instant-express-auth'
import { redisStore, type RedisStore } from 'instant-express-auth/redis'
import { hashToken } from '../../src/verification/verify-cache.js'
import { connectClient, type TestClient } from './clients.js'
import { startRedisServer, type RedisServer } from '../../bench/multi-instance/redis-server.js'
import { startUpstream, type Upstream } from './instances.js'

let redis: RedisServer
let upstream: Upstream
const opened: Array<{ server: Server; client: TestClient; store: RedisStore }> = []

beforeAll(async () => {
  ;[redis, upstream] = await Promise.all([startRedisServer(), startUpstream()])
})
afterAll(async () => {
  for (const { server, client, store } of opened) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await store.close()
    await client.close()
  }
  await upstream.close()
  await redis.close()
})

/** One instance: its own db client, store and caches. Returns its base URL. */
async function instance(kind: 'node-redis' | 'ioredis' = 'node-redis'): Promise<string> {
  const { local } = upstream
  const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: upstream.apiURI })
  const client = await connectClient(kind, redis.url)
  const store = redisStore({ client: client.client })
  const app = express()
  app.use(
    signInRouter({
      db,
      store,
      codeSecret: 'test-only-magic-code-secret-0123456789abcdef',
      authenticate: async (req) => ({ email: String(req.body['email']) }),
    }),
  )
  app.use(signOutRouter({ db, store, path: '/sign-out-all', scope: 'all' }))
  app.use(signOutRouter({ db, store, cookie: 'sid' }))
  app.use(signOutRouter({ db, store, path: '/sign-out-uncached', cache: false }))
  const me = instantHandler((req, res) => void res.json(req.instant.user))
  app.get('/me', requireInstantUser({ db, store }), me)
  app.get('/cookie-me', requireInstantUser({ db, store, cookie: 'sid' }), me)
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  opened.push({ server, client, store })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

async function signIn(url: string, email: string): Promise<string> {
  const response = await fetch(`${url}/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { token: string }).token
}

async function me(url: string, token: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/me`, { headers: { token } })
  return { status: response.status, body: await response.json() }
}

describe('shared verification', () => {
  it('an unknown token: one upstream call for all instances, 401 everywhere', async () => {
    const [a, b] = await Promise.all([instance(), instance('ioredis')])
    const before = upstream.verifications()
    const token = crypto.randomUUID()
    expect(await me(a, token)).toMatchObject({ status: 401, body: { code: 'invalid_token' } })
    expect(await me(b, token)).toMatchObject({ status: 401, body: { code: 'invalid_token' } })
    expect(upstream.verifications() - before).toBe(1)
  })

  it('node-redis and ioredis instances share one user; Redis holds no token in clear', async () => {
    const [a, b] = await Promise.all([instance(), instance('ioredis')])
    const email = 'mixed@example.com'
    const token = await signIn(a, email)
    const before = upstream.verifications()
    const first = await me(a, token)
    expect(first).toMatchObject({ status: 200, body: { email } })
    expect(await me(b, token)).toEqual(first)
    expect(upstream.verifications() - before).toBe(1)
    const client = await connectClient('node-redis', redis.url)
    try {
      const keys = (await client.command('KEYS', '*')) as string[]
      expect(keys.some((key) => key.startsWith('iea:v:'))).toBe(true)
      for (const key of keys) {
        expect(key).not.toContain(token)
        const type = await client.command('TYPE', key)
        if (type !== 'string') continue
        const value = String(await client.command('GET', key))
        expect(value).not.toContain(token)
        expect(value).not.toContain('refresh_token')
      }
    } finally {
      await client.close()
    }
  })

  it("sign-out of every session refuses the user's tokens the publisher never saw", async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    const email = 'everywhere@example.com'
    const seen = await signIn(a, email)
    const unseen = await signIn(a, email)
    // A verifies `unseen` and shares it; B has never seen it.
    expect((await me(a, unseen)).status).toBe(200)
    expect(
      (await fetch(`${a}/sign-out-all`, { method: 'POST', headers: { token: seen } })).status,
    ).toBe(204)
    // A later instance with an empty cache must not take the shared entry for `unseen`.
    const late = await instance()
    expect(await me(late, unseen)).toMatchObject({ status: 401, body: { code: 'invalid_token' } })
    expect(await me(b, unseen)).toMatchObject({ status: 401, body: { code: 'invalid_token' } })
  })

  it('a sign-out with cache: false leaves the shared "invalid" entry its verifier would (5 s)', async () => {
    const a = await instance()
    const token = await signIn(a, 'uncached@example.com')
    expect((await me(a, token)).status).toBe(200)
    const signedOut = await fetch(`${a}/sign-out-uncached`, { method: 'POST', headers: { token } })
    expect(signedOut.status).toBe(204)
    const client = await connectClient('node-redis', redis.url)
    try {
      const key = `iea:v:${hashToken(token)}`
      expect(await client.command('GET', key)).toBe('{"x":1}')
      const ttl = Number(await client.command('PTTL', key))
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(5_000)
    } finally {
      await client.close()
    }
    // A new instance answers from that entry: no upstream call to learn the token is dead.
    const late = await instance()
    const before = upstream.verifications()
    expect(await me(late, token)).toMatchObject({ status: 401, body: { code: 'invalid_token' } })
    expect(upstream.verifications() - before).toBe(0)
  })

  it('a cookie session signed out on one instance is refused by the others', async () => {
    const [a, b] = await Promise.all([instance(), instance('ioredis')])
    const token = await signIn(a, 'cookie@example.com')
    const cookie = `sid=${token}`
    await request(b).get('/cookie-me').set('cookie', cookie).expect(200)
    await request(a)
      .post('/sign-out')
      .set('host', 'app.example.com')
      .set('sec-fetch-site', 'same-origin')
      .set('cookie', cookie)
      .expect(204)
    const deadline = Date.now() + 2_000
    let status = 200
    while (status !== 401 && Date.now() < deadline) {
      status = (await request(b).get('/cookie-me').set('cookie', cookie)).status
    }
    expect(status).toBe(401)
  })
})
