/**
 * `signOutRouter`: `POST /sign-out` revokes the request's token at Instant (or every session of
 * its user) and evicts it from the kit's verification caches of the same `db`, so every
 * `requireInstantUser` of the process refuses it at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { MAX_TOKEN_LENGTH, createTokenExtractor } from '../http/token-source.js'
import { invalidTokenError, missingTokenError } from '../errors/token-errors.js'
import { callInstant } from '../instant/instant-timeout.js'
import { upstreamError } from '../instant/upstream-error.js'
import { publishRevocation } from '../verification/shared-verification.js'
import { resolveStateStore, type StateStore } from '../state-store.js'
import { createVerifier, evictToken, evictUser } from '../verification/verifier.js'
import {
  VERIFY_CACHE_OPTIONS,
  hashToken,
  resolveCacheSetting,
  sharedTtls,
  type VerifyCacheOptions,
} from '../verification/verify-cache.js'
import {
  COOKIE_SESSION_OPTIONS,
  resolveCookieSession,
  type CookieSessionOptions,
} from '../http/cookie.js'
import {
  COMMON_OPTIONS,
  assertPath,
  resolveCommonOptions,
  type CommonOptions,
} from '../http/common-options.js'
import type { OptionKeys } from '../options/keys.js'
import { sendEmpty, type Middleware } from '../http/respond.js'
import { postRoutes } from '../http/route.js'

/**
 * Options of {@link signOutRouter}. Pass the same `db` object your `requireInstantUser` uses:
 * eviction reaches the caches of that object.
 */
export interface SignOutRouterOptions extends CommonOptions, CookieSessionOptions {
  /** Route path. Default `'/sign-out'`. */
  path?: string
  /** `'session'` (default) revokes this token; `'all'` revokes every token of the user. */
  scope?: 'session' | 'all'
  /**
   * For `scope: 'all'`: the cache that records the (always fresh) verification of the token;
   * same meaning as in `requireInstantUser`.
   */
  cache?: false | VerifyCacheOptions
  /**
   * A shared state store (`redisStore`): the sign-out is published, so every instance evicts the
   * token (or, for `scope: 'all'`, the user) from its cache at once. Default: this process only.
   */
  store?: StateStore
}

/** Every key {@link signOutRouter} accepts; anything else throws (see `checkOptionKeys`). */
const SIGN_OUT_ROUTER_OPTIONS = {
  ...COMMON_OPTIONS,
  ...COOKIE_SESSION_OPTIONS,
  path: true,
  scope: true,
  cache: VERIFY_CACHE_OPTIONS,
  store: true,
} as const satisfies OptionKeys<SignOutRouterOptions>

/**
 * Mounts `POST /sign-out` → `204`. With `cookie`, also clears the session cookie; a request
 * authenticated by the cookie must be same-origin (403 `csrf_rejected`).
 *
 * @example
 * ```ts
 * app.use(signOutRouter({ db }))                  // this session
 * app.use(signOutRouter({ db, scope: 'all' }))    // every session of the user
 * ```
 */
export function signOutRouter(options: SignOutRouterOptions): Middleware {
  const { db, logger, onEvent, timeoutMs, failure } = resolveCommonOptions(
    options,
    'signOutRouter',
    SIGN_OUT_ROUTER_OPTIONS,
  )
  const { path = '/sign-out', scope = 'session' } = options
  assertPath(path, 'path')
  if (scope !== 'session' && scope !== 'all')
    throw new TypeError("`scope` must be 'session' (default) or 'all'.")
  const cache = resolveCacheSetting(options.cache, 'signOutRouter')
  const cookieSession = resolveCookieSession(options, 'signOutRouter')
  const extractToken = createTokenExtractor({ cookie: cookieSession?.name })
  // Only `scope: 'all'` verifies the token (to learn its user, always asking Instant);
  // 'session' revokes it as is.
  const store = options.store === undefined ? undefined : resolveStateStore(options.store)
  const verifier =
    scope === 'all' ? createVerifier({ db, cache, logger, onEvent, timeoutMs, store }) : undefined
  // The "invalid" entry a revocation leaves in the shared store lives as long as the one the
  // verifier shares for an unknown token.
  const { negativeTtlMs } = sharedTtls(cache)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = extractToken(req.headers, req)
    if (token === undefined) throw missingTokenError()
    if (token.length > MAX_TOKEN_LENGTH) throw invalidTokenError()
    const forged = cookieSession?.checkCookieRequest(req)
    if (forged !== undefined) throw forged
    const tokenHash = hashToken(token)
    try {
      if (verifier !== undefined) {
        // Never from the cache: a token revoked elsewhere must not sign out every session of
        // its former user during the cache TTL.
        const user = await verifier.verifyFresh(token, tokenHash)
        await callInstant(db, 'signOut', timeoutMs, (call) =>
          db.auth.signOut({ id: user.id }, call),
        )
        evictUser(db, user.id)
        if (store !== undefined) await publishRevocation(store, { userId: user.id }, negativeTtlMs)
      } else {
        await callInstant(db, 'signOut', timeoutMs, (call) =>
          db.auth.signOut({ refresh_token: token }, call),
        )
      }
    } catch (error) {
      const kitError = upstreamError(error, 'signOut', { logger, onEvent, db })
      // A dead token's cookie is no use to keep; after an outage it is kept so a retry can revoke.
      if (kitError.code === 'invalid_token') cookieSession?.clear(req, res)
      throw kitError
    } finally {
      // Evict even when Instant failed: a retry must not be answered from a stale positive entry.
      evictToken(db, tokenHash)
    }
    // Before the 204: once the client has it, the other instances have been told (or the store
    // failed and they keep the token until their cache TTL; the store logs that).
    if (store !== undefined) await publishRevocation(store, { tokenHash }, negativeTtlMs)
    onEvent?.({ type: 'signed_out', scope })
    cookieSession?.clear(req, res)
    sendEmpty(res, 204)
  }

  return postRoutes('signOut', [[path, handle]], failure)
}
