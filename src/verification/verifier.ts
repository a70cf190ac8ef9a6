/**
 * Token verification against Instant with the cache in front and single-flight behind it.
 *
 * Sharing: every middleware and router built for the same `db` object (with the same cache
 * options) shares one cache and one in-flight table, kept in a WeakMap keyed by `db`. The kit's
 * sign-out evicts the token (or, for scope "all", the user) from every cache of that `db`, so a
 * signed-out token is refused at once by every middleware of the process.
 *
 * With a shared `store` (Redis), a local miss asks the store before Instant, and revocations
 * published by any instance evict here too (see shared-verification.ts).
 */
import type { KitError } from '../errors/kit-error.js'
import type { KitLogger, OnEvent } from '../options/events.js'
import {
  isGuestUser,
  publicUser,
  type InstantAuthDb,
  type InstantUser,
  type InstantUserRecord,
} from '../instant/instant-db.js'
import { DEFAULT_INSTANT_TIMEOUT_MS, callInstant } from '../instant/instant-timeout.js'
import {
  isSharedStore,
  listenForRevocations,
  readShared,
  writeShared,
  writeSharedInvalid,
} from './shared-verification.js'
import { addStatsSource, statsCounters } from '../instant/stats.js'
import type { StateStore } from '../state-store.js'
import { invalidTokenError } from '../errors/token-errors.js'
import { upstreamError } from '../instant/upstream-error.js'
import {
  INVALID,
  createVerifyCache,
  resolveCacheSetting,
  sharedTtls,
  type VerifyCache,
  type VerifyCacheOptions,
} from './verify-cache.js'

type Outcome = { user: InstantUser; error?: undefined } | { user?: undefined; error: KitError }

interface SharedState {
  cache: VerifyCache | undefined
  inflight: Map<string, Promise<Outcome>>
}

/** All shared states of one `db` (one per distinct cache configuration). */
const registry = new WeakMap<object, Map<string | symbol, SharedState>>()

function sharedState(db: object, cache: false | Required<VerifyCacheOptions>): SharedState {
  let states = registry.get(db)
  if (states === undefined) {
    states = new Map()
    registry.set(db, states)
  }
  let key: string | symbol
  if (cache === false) {
    key = 'off'
  } else {
    // A custom clock (tests) gets a cache of its own; otherwise equal options share one cache.
    key =
      cache.now === Date.now
        ? `${cache.ttlMs}|${cache.negativeTtlMs}|${cache.max}|${cache.negativeMax}`
        : Symbol('cache')
  }
  let state = states.get(key)
  if (state === undefined) {
    const created = {
      cache: cache === false ? undefined : createVerifyCache(cache),
      inflight: new Map(),
    }
    addStatsSource(db, {
      cacheSize: () => created.cache?.size ?? 0,
      cacheMax: cache === false ? 0 : cache.max,
      inflight: () => created.inflight.size,
    })
    state = created
    states.set(key, state)
  }
  return state
}

/** Drops a token from every cache of `db` (and forgets an in-flight verification of it). */
export function evictToken(db: object, tokenHash: string): void {
  const states = registry.get(db)
  if (states === undefined) return
  for (const state of states.values()) {
    state.cache?.delete(tokenHash)
    state.inflight.delete(tokenHash)
  }
}

/** Drops every cached token of a user from every cache of `db`. */
export function evictUser(db: object, userId: string): void {
  const states = registry.get(db)
  if (states === undefined) return
  for (const state of states.values()) {
    state.cache?.deleteUser(userId)
    // In-flight verifications may belong to this user: forget them all rather than cache them.
    state.inflight.clear()
  }
}

interface VerifierOptions {
  db: InstantAuthDb
  /** The factory's `cache` option as {@link resolveCacheSetting} resolved it. Default: all defaults. */
  cache?: false | Required<VerifyCacheOptions> | undefined
  logger: KitLogger
  onEvent: OnEvent | undefined
  /** Upper bound on one upstream verification, in ms (validated by the caller). Default 10 s. */
  timeoutMs?: number
  /** A shared store (Redis): asked on a local miss, told of verifications, source of revocations. */
  store?: StateStore | undefined
}

interface Verifier {
  /** The cached answer, synchronously: a user, `INVALID`, or `undefined` on a miss. */
  peek(tokenHash: string): InstantUser | typeof INVALID | undefined
  /** Asks Instant (one call per token however many requests wait). Rejects with a KitError. */
  verify(token: string, tokenHash: string): Promise<InstantUser>
  /**
   * Asks Instant now, trusting neither the cache nor a call already in flight (which may have
   * started before a revocation); the answer still refreshes the cache. For decisions that must
   * not rest on a 30-second-old answer, such as signing out every session of a user.
   */
  verifyFresh(token: string, tokenHash: string): Promise<InstantUser>
}

export { INVALID }

/** Builds a verifier; the factory has validated its options. */
export function createVerifier(options: VerifierOptions): Verifier {
  const { db, logger, onEvent, timeoutMs = DEFAULT_INSTANT_TIMEOUT_MS } = options
  const state = sharedState(db, options.cache ?? resolveCacheSetting(undefined, 'createVerifier'))
  const { cache, inflight } = state
  const shared = isSharedStore(options.store) ? options.store : undefined
  if (shared !== undefined) {
    listenForRevocations(shared, db, (revocation) => {
      if ('tokenHash' in revocation) evictToken(db, revocation.tokenHash)
      else evictUser(db, revocation.userId)
    })
  }
  const { ttlMs: sharedTtlMs, negativeTtlMs: sharedNegativeTtlMs } = sharedTtls(cache ?? false)
  const counters = statsCounters(db)
  const report = (error: unknown): KitError =>
    upstreamError(error, 'verifyToken', { logger, onEvent, db })

  function upstream(token: string, tokenHash: string): Promise<Outcome> {
    counters.verifications++
    const started = onEvent === undefined ? 0 : performance.now()
    const startedAt = Date.now()
    // At the deadline the call is cancelled (our client frees its socket), not just abandoned.
    const answer: Promise<InstantUserRecord> = callInstant(db, 'verifyToken', timeoutMs, (call) =>
      db.auth.verifyToken(token, call),
    )
    const call: Promise<Outcome> = answer.then(
      (record): Outcome => {
        const current = inflight.get(tokenHash) === call
        if (current) inflight.delete(tokenHash)
        // Both clients throw for an unknown token; a 200 without a user is a broken answer (a
        // proxy, a stub), so it is an outage, never cached, never a 401 for everyone.
        if (typeof record !== 'object' || record === null || typeof record.id !== 'string') {
          counters.upstreamFailures++
          return { error: report(new SyntaxError('verifyToken returned no user id')) }
        }
        const user = publicUser(record)
        if (current) {
          cache?.setValid(tokenHash, user)
          if (shared !== undefined) writeShared(shared, tokenHash, user, startedAt, sharedTtlMs)
        }
        onEvent?.({
          type: 'verified',
          userId: user.id,
          guest: isGuestUser(user),
          durationMs: performance.now() - started,
        })
        return { user }
      },
      (error: unknown): Outcome => {
        const current = inflight.get(tokenHash) === call
        if (current) inflight.delete(tokenHash)
        const kitError = report(error)
        if (kitError.code !== 'invalid_token') counters.upstreamFailures++
        // Only Instant's definitive "no such token" is cached; outages never are.
        if (kitError.code === 'invalid_token' && current) {
          cache?.setInvalid(tokenHash)
          if (shared !== undefined) writeSharedInvalid(shared, tokenHash, sharedNegativeTtlMs)
        }
        return { error: kitError }
      },
    )
    inflight.set(tokenHash, call)
    return call
  }

  /** A local miss with a shared store: its answer if it has one, else Instant's. */
  function viaSharedStore(store: StateStore, token: string, tokenHash: string): Promise<Outcome> {
    const call: Promise<Outcome> = readShared(store, tokenHash).then((answer) => {
      // Evicted (revoked) while the store was read: the answer may predate it; ask Instant.
      if (answer === undefined || inflight.get(tokenHash) !== call) {
        return upstream(token, tokenHash)
      }
      inflight.delete(tokenHash)
      if (answer === 'invalid') {
        cache?.setInvalid(tokenHash)
        return { error: invalidTokenError() }
      }
      cache?.setValid(tokenHash, answer.user, answer.expiresAt)
      return { user: answer.user }
    })
    inflight.set(tokenHash, call)
    return call
  }

  return {
    peek(tokenHash) {
      if (cache === undefined) return undefined
      const hit = cache.get(tokenHash)
      if (hit === undefined) counters.cacheMisses++
      else counters.cacheHits++
      if (onEvent !== undefined) {
        onEvent(
          hit === undefined
            ? { type: 'cache_miss' }
            : { type: 'cache_hit', outcome: hit === INVALID ? 'invalid' : 'valid' },
        )
      }
      return hit
    },
    verify(token, tokenHash) {
      const outcome =
        inflight.get(tokenHash) ??
        (shared === undefined
          ? upstream(token, tokenHash)
          : viaSharedStore(shared, token, tokenHash))
      return outcome.then(unwrap)
    },
    verifyFresh(token, tokenHash) {
      return upstream(token, tokenHash).then(unwrap)
    },
  }
}

function unwrap(outcome: Outcome): InstantUser {
  if (outcome.user !== undefined) return outcome.user
  throw outcome.error
}
