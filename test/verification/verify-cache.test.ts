import { describe, expect, it, vi } from 'vitest'
import { createVerifier, evictToken, evictUser, INVALID } from '../../src/verification/verifier.js'
import {
  createVerifyCache,
  hashToken,
  resolveCacheOptions,
  DEFAULT_CACHE_MAX,
  DEFAULT_CACHE_TTL_MS,
  DEFAULT_NEGATIVE_CACHE_MAX,
  DEFAULT_NEGATIVE_CACHE_TTL_MS,
} from '../../src/verification/verify-cache.js'
import type { KitEvent } from '../../src/options/events.js'
import type { InstantAuthDb, InstantUserRecord } from '../../src/instant/instant-db.js'

const TOKEN = '11111111-1111-4111-8111-111111111111'
const silent = { warn: vi.fn(), error: vi.fn() }

function apiError(status: number, body: Record<string, unknown>): Error {
  return Object.assign(new Error('x'), { name: 'InstantAPIError', status, body })
}

function fakeDb(
  verify: (token: string) => Promise<InstantUserRecord>,
): InstantAuthDb & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    asUser: () => ({}),
    auth: {
      verifyToken: (token: string) => {
        calls.push(token)
        return verify(token)
      },
      createToken: () => Promise.reject(new Error('unused')),
      getUser: () => Promise.reject(new Error('unused')),
      generateMagicCode: () => Promise.reject(new Error('unused')),
      checkMagicCode: () => Promise.reject(new Error('unused')),
      signOut: () => Promise.reject(new Error('unused')),
    },
  }
}

function clock(start = 1_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

describe('resolveCacheOptions', () => {
  it('fills the documented defaults', () => {
    const resolved = resolveCacheOptions({}, 'requireInstantUser')
    expect(resolved.ttlMs).toBe(30_000)
    expect(resolved.negativeTtlMs).toBe(5_000)
    expect(resolved.max).toBe(10_000)
    expect(resolved.negativeMax).toBe(1_000)
    expect(DEFAULT_NEGATIVE_CACHE_MAX).toBe(1_000)
    expect([DEFAULT_CACHE_TTL_MS, DEFAULT_NEGATIVE_CACHE_TTL_MS, DEFAULT_CACHE_MAX]).toEqual([
      30_000, 5_000, 10_000,
    ])
  })

  it('names the bad option', () => {
    expect(() => resolveCacheOptions({ ttlMs: 0 }, 'requireInstantUser')).toThrow(/`cache.ttlMs`/)
    expect(() => resolveCacheOptions({ negativeTtlMs: -1 }, 'requireInstantUser')).toThrow(
      /`cache.negativeTtlMs`/,
    )
    expect(() => resolveCacheOptions({ max: 1.5 }, 'requireInstantUser')).toThrow(/`cache.max`/)
    expect(() => resolveCacheOptions({ negativeMax: 0 }, 'requireInstantUser')).toThrow(
      /`cache.negativeMax`/,
    )
  })
})

describe('createVerifyCache', () => {
  it('keys by a sha256 hash, never the token', () => {
    const hash = hashToken(TOKEN)
    expect(hash).toHaveLength(44)
    expect(hash).not.toContain(TOKEN)
  })

  it('expires positive and negative entries on their own TTLs', () => {
    const c = clock()
    const cache = createVerifyCache(
      resolveCacheOptions({ ttlMs: 100, negativeTtlMs: 10, now: c.now }, 'requireInstantUser'),
    )
    cache.setValid('a', Object.freeze({ id: 'u1' }))
    cache.setInvalid('b')
    expect(cache.get('a')).toEqual({ id: 'u1' })
    expect(cache.get('b')).toBe(INVALID)
    c.advance(10)
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toEqual({ id: 'u1' })
    c.advance(90)
    expect(cache.get('a')).toBeUndefined()
  })

  it('is a bounded LRU', () => {
    const cache = createVerifyCache(resolveCacheOptions({ max: 2 }, 'requireInstantUser'))
    cache.setValid('a', { id: 'a' })
    cache.setValid('b', { id: 'b' })
    cache.get('a')
    cache.setValid('c', { id: 'c' })
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toEqual({ id: 'a' })
    expect(cache.size).toBe(2)
  })

  it('a flood of unknown tokens evicts only unknown tokens, never a verified user', () => {
    const cache = createVerifyCache(
      resolveCacheOptions({ max: 3, negativeMax: 2 }, 'requireInstantUser'),
    )
    cache.setValid('u1', { id: 'u1' })
    cache.setValid('u2', { id: 'u2' })
    for (let i = 0; i < 10_000; i++) cache.setInvalid(`bogus-${i}`)
    expect(cache.get('u1')).toEqual({ id: 'u1' })
    expect(cache.get('u2')).toEqual({ id: 'u2' })
    expect(cache.get('bogus-9999')).toBe(INVALID)
    expect(cache.get('bogus-9998')).toBe(INVALID)
    expect(cache.get('bogus-9997')).toBeUndefined()
    expect(cache.size).toBe(4)
  })

  it('one token is either valid or invalid, never both', () => {
    const cache = createVerifyCache(resolveCacheOptions({}, 'requireInstantUser'))
    cache.setInvalid('t')
    cache.setValid('t', { id: 'u1' })
    expect(cache.get('t')).toEqual({ id: 'u1' })
    cache.setInvalid('t')
    expect(cache.get('t')).toBe(INVALID)
    cache.delete('t')
    expect(cache.get('t')).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('deleteUser drops every token of that user only', () => {
    const cache = createVerifyCache(resolveCacheOptions({}, 'requireInstantUser'))
    cache.setValid('a', { id: 'u1' })
    cache.setValid('b', { id: 'u1' })
    cache.setValid('c', { id: 'u2' })
    cache.deleteUser('u1')
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([
      undefined,
      undefined,
      { id: 'u2' },
    ])
  })
})

describe('createVerifier', () => {
  it('coalesces concurrent verifications of one token into one upstream call', async () => {
    let release!: (user: InstantUserRecord) => void
    const db = fakeDb(() => new Promise((resolve) => (release = resolve)))
    const verifier = createVerifier({
      db,
      cache: resolveCacheOptions({ now: clock().now }, 'requireInstantUser'),
      logger: silent,
      onEvent: undefined,
    })
    const hash = hashToken(TOKEN)
    const pending = Array.from({ length: 100 }, () => verifier.verify(TOKEN, hash))
    release({ id: 'u1', email: 'a@b.co', refresh_token: TOKEN })
    const users = await Promise.all(pending)
    expect(db.calls).toHaveLength(1)
    expect(users.every((u) => u.id === 'u1' && !('refresh_token' in u))).toBe(true)
    expect(Object.isFrozen(users[0])).toBe(true)
    expect(verifier.peek(hash)).toEqual({ id: 'u1', email: 'a@b.co' })
  })

  it('caches a definitive invalid answer for negativeTtlMs, and never an outage', async () => {
    const c = clock()
    let answer: () => Promise<InstantUserRecord> = () =>
      Promise.reject(
        apiError(400, { type: 'record-not-found', hint: { 'record-type': 'app-user' } }),
      )
    const db = fakeDb(() => answer())
    const verifier = createVerifier({
      db,
      cache: resolveCacheOptions({ negativeTtlMs: 50, now: c.now }, 'requireInstantUser'),
      logger: silent,
      onEvent: undefined,
    })
    const hash = hashToken(TOKEN)
    await expect(verifier.verify(TOKEN, hash)).rejects.toMatchObject({
      code: 'invalid_token',
      status: 401,
    })
    expect(verifier.peek(hash)).toBe(INVALID)
    c.advance(50)
    expect(verifier.peek(hash)).toBeUndefined()

    answer = () =>
      Promise.reject(
        Object.assign(new Error('down'), {
          name: 'InstantTransportError',
          code: 'INSTANT_TIMEOUT',
        }),
      )
    await expect(verifier.verify(TOKEN, hash)).rejects.toMatchObject({
      code: 'auth_unavailable',
      status: 503,
    })
    expect(verifier.peek(hash)).toBeUndefined()
  })

  it('shares the cache between verifiers of one db and evicts on sign-out', async () => {
    const db = fakeDb(() => Promise.resolve({ id: 'u1', refresh_token: TOKEN }))
    const a = createVerifier({ db, logger: silent, onEvent: undefined })
    const b = createVerifier({ db, logger: silent, onEvent: undefined })
    const hash = hashToken(TOKEN)
    await a.verify(TOKEN, hash)
    expect(b.peek(hash)).toEqual({ id: 'u1' })
    evictToken(db, hash)
    expect(a.peek(hash)).toBeUndefined()
    await b.verify(TOKEN, hash)
    evictUser(db, 'u1')
    expect(a.peek(hash)).toBeUndefined()
    expect(db.calls).toHaveLength(2)
  })

  it('does not cache a result that was evicted while in flight', async () => {
    let release!: (user: InstantUserRecord) => void
    const db = fakeDb(() => new Promise((resolve) => (release = resolve)))
    const verifier = createVerifier({ db, logger: silent, onEvent: undefined })
    const hash = hashToken(TOKEN)
    const pending = verifier.verify(TOKEN, hash)
    evictToken(db, hash)
    release({ id: 'u1' })
    await pending
    expect(verifier.peek(hash)).toBeUndefined()
  })

  it('cache: false asks every time (still single-flight)', async () => {
    const db = fakeDb(() => Promise.resolve({ id: 'u1' }))
    const verifier = createVerifier({ db, cache: false, logger: silent, onEvent: undefined })
    const hash = hashToken(TOKEN)
    await verifier.verify(TOKEN, hash)
    expect(verifier.peek(hash)).toBeUndefined()
    await verifier.verify(TOKEN, hash)
    expect(db.calls).toHaveLength(2)
  })

  it('emits events without the token', async () => {
    const events: KitEvent[] = []
    const db = fakeDb(() => Promise.resolve({ id: 'u1', refresh_token: TOKEN }))
    const verifier = createVerifier({
      db,
      cache: resolveCacheOptions({ now: clock().now }, 'requireInstantUser'),
      logger: silent,
      onEvent: (e) => events.push(e),
    })
    const hash = hashToken(TOKEN)
    verifier.peek(hash)
    await verifier.verify(TOKEN, hash)
    verifier.peek(hash)
    expect(events.map((e) => e.type)).toEqual(['cache_miss', 'verified', 'cache_hit'])
    expect(JSON.stringify(events)).not.toContain(TOKEN)
    expect(JSON.stringify(events)).not.toContain(hash)
  })
})
