/**
 * The per-token verification cache. Keys are SHA-256 hashes of tokens (never the tokens), values
 * are the verified user (positive) or "invalid" (negative, shorter TTL, only for Instant's
 * definitive "unknown token" answer, never for outages). Two bounded LRUs: anyone can mint
 * bogus tokens, so negative entries live in their own smaller LRU where a flood of them evicts
 * only each other, never a signed-in user. Expiry is checked on read against an injectable
 * clock, so there are no timers.
 */
import { hash } from 'node:crypto'
import type { InstantUser } from '../instant/instant-db.js'
import { createLru } from './lru.js'
import { resolveNumber, resolvePositiveInt, resolveTimeoutMs } from '../options/numbers.js'
import type { OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'
import { MAX_TIMEOUT_MS } from '../options/timeout.js'
import { canonicalToken } from '../http/token-source.js'

/** How long a verified token is trusted without asking Instant again. */
export const DEFAULT_CACHE_TTL_MS = 30_000
/** How long an unknown/revoked token is answered 401 without asking Instant again. */
export const DEFAULT_NEGATIVE_CACHE_TTL_MS = 5_000
/** How many verified tokens the cache holds before evicting the least recently used. */
export const DEFAULT_CACHE_MAX = 10_000
/** How many unknown/revoked tokens the cache holds, apart from the verified ones. */
export const DEFAULT_NEGATIVE_CACHE_MAX = 1_000

/** Options of the verification cache (`cache` option of the middleware and routers). */
export interface VerifyCacheOptions {
  /** Positive TTL in ms, up to `2 ** 31 - 1`. Default `30_000` (30 s). */
  ttlMs?: number
  /** Negative TTL in ms (`0` disables negative caching). Default `5_000` (5 s). */
  negativeTtlMs?: number
  /** Maximum verified (positive) entries. Default `10_000`. */
  max?: number
  /** Maximum unknown-token (negative) entries, kept apart. Default `1_000`. */
  negativeMax?: number
  /** Clock in ms, for tests. Default `Date.now`. */
  now?: () => number
}

/** The keys of {@link VerifyCacheOptions}, checked inside a factory's `cache` option. */
export const VERIFY_CACHE_OPTIONS = {
  ttlMs: true,
  negativeTtlMs: true,
  max: true,
  negativeMax: true,
  now: true,
} as const satisfies OptionKeys<VerifyCacheOptions>

/** A negative entry's marker. */
export const INVALID = Symbol('invalid token')

interface Entry {
  value: InstantUser
  expiresAt: number
}

/**
 * SHA-256 of a token's canonical spelling, base64: the only form in which a token is ever a
 * cache key. Every spelling Instant accepts as the same token hashes alike.
 */
export function hashToken(token: string): string {
  return hash('sha256', canonicalToken(token), 'base64')
}

export interface VerifyCache {
  readonly ttlMs: number
  readonly negativeTtlMs: number
  /** The cached answer for a token hash, or `undefined` on a miss or an expired entry. */
  get(tokenHash: string): InstantUser | typeof INVALID | undefined
  /** Caches `user` for the TTL, or until `expiresAt` (ms since the epoch) when that is sooner. */
  setValid(tokenHash: string, user: InstantUser, expiresAt?: number): void
  setInvalid(tokenHash: string): void
  delete(tokenHash: string): void
  /** Drops every token of a user (sign-out of all sessions). */
  deleteUser(userId: string): void
  readonly size: number
}

/**
 * How long entries shared through a store (Redis) live: the cache's TTLs, or the defaults with
 * `cache: false` (the other instances may cache). The verifier and sign-out both use this, so a
 * revocation's "invalid" entry lives as long as an unknown token's.
 */
export function sharedTtls(
  cache: false | { readonly ttlMs: number; readonly negativeTtlMs: number },
): {
  ttlMs: number
  negativeTtlMs: number
} {
  return cache === false
    ? { ttlMs: DEFAULT_CACHE_TTL_MS, negativeTtlMs: DEFAULT_NEGATIVE_CACHE_TTL_MS }
    : { ttlMs: cache.ttlMs, negativeTtlMs: cache.negativeTtlMs }
}

/**
 * Validates cache options (TypeError naming `factory` and the option) and fills defaults. TTLs
 * are bounded like timeouts; sizes are whole numbers.
 */
export function resolveCacheOptions(
  options: VerifyCacheOptions,
  factory: string,
): Required<VerifyCacheOptions> {
  if (typeof options !== 'object' || options === null) {
    throw optionError(
      factory,
      'cache',
      'be false or an object { ttlMs, negativeTtlMs, max, negativeMax }',
      options,
    )
  }
  const at = (option: string, fallback: number) => ({
    factory,
    option: `cache.${option}`,
    default: fallback,
  })
  const ttlMs = resolveTimeoutMs(options.ttlMs, at('ttlMs', DEFAULT_CACHE_TTL_MS))
  // 0 turns negative caching off.
  const negativeTtlMs = resolveNumber(options.negativeTtlMs, {
    ...at('negativeTtlMs', DEFAULT_NEGATIVE_CACHE_TTL_MS),
    min: 0,
    max: MAX_TIMEOUT_MS,
    unit: 'milliseconds',
  })
  const max = resolvePositiveInt(options.max, at('max', DEFAULT_CACHE_MAX))
  const negativeMax = resolvePositiveInt(
    options.negativeMax,
    at('negativeMax', DEFAULT_NEGATIVE_CACHE_MAX),
  )
  const now = options.now ?? Date.now
  if (typeof now !== 'function')
    throw optionError(factory, 'cache.now', 'be a function returning ms', now)
  return { ttlMs, negativeTtlMs, max, negativeMax, now }
}

/**
 * Validates the `cache` option of a factory, once: `false` (no cache), or options with the
 * defaults filled in (`undefined` means all defaults).
 */
export function resolveCacheSetting(
  cache: unknown,
  factory: string,
): false | Required<VerifyCacheOptions> {
  if (cache === false) return false
  return resolveCacheOptions((cache === undefined ? {} : cache) as VerifyCacheOptions, factory)
}

/** Creates a cache; options must come from {@link resolveCacheOptions}. */
export function createVerifyCache(options: Required<VerifyCacheOptions>): VerifyCache {
  const { ttlMs, negativeTtlMs, max, negativeMax, now } = options
  const lru = createLru<string, Entry>(max)
  const negative = createLru<string, number>(negativeMax)

  return {
    ttlMs,
    negativeTtlMs,
    get(tokenHash) {
      const entry = lru.get(tokenHash)
      if (entry !== undefined) {
        if (now() < entry.expiresAt) return entry.value
        lru.delete(tokenHash)
      }
      const invalidUntil = negative.get(tokenHash)
      if (invalidUntil === undefined) return undefined
      if (now() < invalidUntil) return INVALID
      negative.delete(tokenHash)
      return undefined
    },
    setValid(tokenHash, user, expiresAt) {
      negative.delete(tokenHash)
      const localExpiry = now() + ttlMs
      lru.set(tokenHash, {
        value: user,
        expiresAt: expiresAt === undefined ? localExpiry : Math.min(expiresAt, localExpiry),
      })
    },
    setInvalid(tokenHash) {
      lru.delete(tokenHash)
      if (negativeTtlMs > 0) negative.set(tokenHash, now() + negativeTtlMs)
    },
    delete(tokenHash) {
      lru.delete(tokenHash)
      negative.delete(tokenHash)
    },
    deleteUser(userId) {
      const doomed: string[] = []
      for (const [key, entry] of lru.entries()) {
        if (entry.value.id === userId) doomed.push(key)
      }
      for (const key of doomed) lru.delete(key)
    },
    get size() {
      return lru.size + negative.size
    },
  }
}
