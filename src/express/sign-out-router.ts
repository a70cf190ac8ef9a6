/**
 * `signOutRouter`: `POST /sign-out` revokes the request's token at Instant (or every session of
 * its user) and evicts it from the kit's verification caches of the same `db`, so every
 * `requireInstantUser` of the process refuses it at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  MAX_TOKEN_LENGTH,
  createTokenExtractor,
  invalidTokenError,
  missingTokenError,
} from '../core/token-source.js'
import { callInstant } from '../core/instant-timeout.js'
import { upstreamError } from '../core/upstream-error.js'
import { createVerifier, evictToken, evictUser } from '../core/verifier.js'
import { hashToken, resolveCacheSetting, type VerifyCacheOptions } from '../core/verify-cache.js'
import { assertPath, resolveCommonOptions, type CommonOptions } from './options.js'
import { sendEmpty, type Middleware } from './respond.js'
import { postRoutes } from './route.js'

/**
 * Options of {@link signOutRouter}. Pass the same `db` object your `requireInstantUser` uses:
 * eviction reaches the caches of that object.
 */
export interface SignOutRouterOptions extends CommonOptions {
  /** Route path. Default `'/sign-out'`. */
  path?: string
  /** `'session'` (default) revokes this token; `'all'` revokes every token of the user. */
  scope?: 'session' | 'all'
  /** Also read the token from this cookie (as in `requireInstantUser`). Default: none. */
  cookie?: string
  /**
   * For `scope: 'all'`: the cache that records the (always fresh) verification of the token;
   * same meaning as in `requireInstantUser`.
   */
  cache?: false | VerifyCacheOptions
}

/**
 * Mounts `POST /sign-out` → `204`.
 *
 * @example
 * ```ts
 * app.use(signOutRouter({ db }))                  // this session
 * app.use(signOutRouter({ db, scope: 'all' }))    // every session of the user
 * ```
 */
export function signOutRouter(options: SignOutRouterOptions): Middleware {
  const { db, logger, onEvent, timeoutMs, failure } = resolveCommonOptions(options, 'signOutRouter')
  const { path = '/sign-out', scope = 'session', cookie } = options
  assertPath(path, 'path')
  if (scope !== 'session' && scope !== 'all')
    throw new TypeError("`scope` must be 'session' (default) or 'all'.")
  const cache = resolveCacheSetting(options.cache)
  const extractToken = createTokenExtractor({ cookie })
  // Only `scope: 'all'` verifies the token (to learn its user, always asking Instant);
  // 'session' revokes it as is.
  const verifier =
    scope === 'all' ? createVerifier({ db, cache, logger, onEvent, timeoutMs }) : undefined

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = extractToken(req.headers, req.rawHeaders)
    if (token === undefined) throw missingTokenError()
    if (token.length > MAX_TOKEN_LENGTH) throw invalidTokenError()
    const tokenHash = hashToken(token)
    try {
      if (verifier !== undefined) {
        // Never from the cache: a token revoked elsewhere must not sign out every session of
        // its former user during the cache TTL.
        const user = await verifier.verifyFresh(token, tokenHash)
        await callInstant(db, 'signOut', timeoutMs, (signal) =>
          db.auth.signOut({ id: user.id }, { signal }),
        )
        evictUser(db, user.id)
      } else {
        await callInstant(db, 'signOut', timeoutMs, (signal) =>
          db.auth.signOut({ refresh_token: token }, { signal }),
        )
      }
    } catch (error) {
      throw upstreamError(error, 'signOut', { logger, onEvent, db })
    } finally {
      // Evict even when Instant failed: a retry must not be answered from a stale positive entry.
      evictToken(db, tokenHash)
    }
    onEvent?.({ type: 'signed_out', scope })
    sendEmpty(res, 204)
  }

  return postRoutes('signOut', [[path, handle]], failure)
}
