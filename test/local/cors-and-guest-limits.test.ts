import { describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import { request } from 'undici'
import type { LocalInstant } from 'instant-express-auth/local'
import { DEFAULT_GUEST_SIGN_INS_PER_HOUR } from '../../src/local/options.js'
import { createFixedWindowLimiter } from '../../src/local/rate-limit.js'
import { localInstants, post } from './helpers.js'

const { start } = localInstants()
const ORIGIN = 'http://evil.example'

async function call(
  local: LocalInstant,
  method: 'POST' | 'GET' | 'OPTIONS',
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const res = await request(`${local.apiURI}${path}`, {
    method,
    headers: {
      origin: ORIGIN,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  await res.body.text()
  return { status: res.statusCode, headers: res.headers }
}

describe('CORS: runtime routes only', () => {
  it('admin routes answer no CORS headers, for requests and preflights', async () => {
    const { local } = await start()
    const admin = { authorization: `Bearer ${local.adminToken}` }
    const query = await call(local, 'POST', `/admin/query?app_id=${local.appId}`, admin, {
      query: { todos: {} },
    })
    expect(query.status).toBe(200)
    expect(query.headers['access-control-allow-origin']).toBeUndefined()
    expect(query.headers['access-control-allow-methods']).toBeUndefined()
    const users = await call(local, 'GET', `/admin/users?app_id=${local.appId}&email=a@b.co`, admin)
    expect(users.status).toBe(200)
    expect(users.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = await call(local, 'OPTIONS', '/admin/refresh_tokens', {
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    })
    expect(preflight.status).toBe(200)
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined()
  })

  it('runtime routes keep theirs (the browser SDK calls them)', async () => {
    const { local } = await start()
    const res = await call(
      local,
      'POST',
      '/runtime/auth/sign_in_guest',
      {},
      { 'app-id': local.appId },
    )
    expect(res.status).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN)
    const preflight = await call(local, 'OPTIONS', '/runtime/auth/sign_in_guest', {
      'access-control-request-method': 'POST',
    })
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN)
  })
})

describe('guest sign-in is limited per client IP', () => {
  it('answers 429 past the hourly limit; admin guest sign-ins are not limited', async () => {
    expect(DEFAULT_GUEST_SIGN_INS_PER_HOUR).toBe(300)
    const { local, db } = await start({ guestSignInsPerHour: 3 })
    const guest = () => post(local, '/runtime/auth/sign_in_guest', { 'app-id': local.appId })
    for (let i = 0; i < 3; i++) expect((await guest()).status).toBe(200)
    const limited = await guest()
    expect(limited.status).toBe(429)
    expect(limited.body).toEqual({
      type: 'rate-limited',
      message: 'Too many guest sign-ins from this address. Please try again later.',
    })
    const viaAdmin = await post(
      local,
      `/admin/sign_in_guest?app_id=${local.appId}`,
      {},
      { authorization: `Bearer ${local.adminToken}` },
    )
    expect(viaAdmin.status).toBe(200)
    expect(await db.auth.getUser({ id: viaAdmin.body.user.id })).not.toBeNull()
  })

  it('keys the limit by address: another loopback address still signs in', async () => {
    const { local } = await start({ guestSignInsPerHour: 2 })
    // 127.0.0.0/8 is all loopback on Linux: binding 127.0.0.2 gives a second client address.
    const guestFrom = (localAddress: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(`${local.apiURI}/runtime/auth/sign_in_guest`)
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            localAddress,
            agent: false,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          },
        )
        req.on('error', reject)
        req.end(JSON.stringify({ 'app-id': local.appId }))
      })
    expect(await guestFrom('127.0.0.1')).toBe(200)
    expect(await guestFrom('127.0.0.1')).toBe(200)
    expect(await guestFrom('127.0.0.1')).toBe(429)
    expect(await guestFrom('127.0.0.2')).toBe(200)
  })
})

describe('rate-limit keys are bounded', () => {
  it('holds at most maxKeys keys; a new key over the cap is refused until windows expire', () => {
    const limiter = createFixedWindowLimiter(5, 1_000, 3)
    expect(limiter.tryConsume('a', 0)).toBe(true)
    expect(limiter.tryConsume('b', 100)).toBe(true)
    expect(limiter.tryConsume('c', 200)).toBe(true)
    expect(limiter.tryConsume('d', 300)).toBe(false)
    expect(limiter.size).toBe(3)
    // Known keys keep counting (a flood of new keys never resets them).
    expect(limiter.tryConsume('a', 400)).toBe(true)
    // Once 'a' has expired, a sweep makes room.
    expect(limiter.tryConsume('d', 1_000)).toBe(true)
    expect(limiter.size).toBe(3)
    for (let i = 0; i < 10_000; i++) limiter.tryConsume(`flood${i}`, 1_050)
    expect(limiter.size).toBe(3)
  })

  it('a flood of distinct emails leaves the map at its cap on a live server', async () => {
    const { local } = await start({ rateLimitMaxKeys: 2, magicCodeSendsPerHour: 5 })
    const send = (email: string) =>
      post(local, '/runtime/auth/send_magic_code', { 'app-id': local.appId, email })
    expect((await send('one@example.com')).status).toBe(200)
    expect((await send('two@example.com')).status).toBe(200)
    expect((await send('three@example.com')).status).toBe(429)
    expect((await send('one@example.com')).status).toBe(200)
  })
})
