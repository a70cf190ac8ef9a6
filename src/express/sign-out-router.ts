/**
 * `signOutRouter`: `POST /sign-out` revokes the request's token at Instant (or every session of
 * its user) and evicts it from the kit's verification caches of the same `db`, so every
 * `requireInstantUser` of the process refuses it at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isKitError } from '../core/errors.js'
import { classifyInstantError } from '../core/classify-error.js'
import { resolveLogger, resolveOnEvent, type KitLogger, type OnEvent } from '../core/events.js'
import type { InstantAuthDb } from '../core/instant-db.js'
import {
  MAX_TOKEN_LENGTH,
  createTokenExtractor,
  invalidTokenError,
  missingTokenError,
} from '../core/token-source.js'
import {
  resolveInstantTimeout,
  withInstantTimeout,
  type InstantTimeoutOptions,
} from '../core/instant-timeout.js'
import { INVALID, createVerifier, evictToken, evictUser } from '../core/verifier.js'
import { hashToken, type VerifyCacheOptions } from '../core/verify-cache.js'
import { assertDb, assertOptionsObject, assertPath, matchesPath } from './options.js'
import {
  fail,
  resolveResponseOptions,
  sendEmpty,
  type Failure,
  type Middleware,
  type Next,
  type ResponseOptions,
} from './respond.js'

/** Options of {@link signOutRouter}. */
export interface SignOutRouterOptions extends ResponseOptions, InstantTimeoutOptions {
  /** Your Instant admin client (the same object your `requireInstantUser` uses, for eviction). */
  db: InstantAuthDb
  /** Route path. Default `'/sign-out'`. */
  path?: string
  /** `'session'` (default) revokes this token; `'all'` revokes every token of the user. */
  scope?: 'session' | 'all'
  /** Also read the token from this cookie (as in `requireInstantUser`). Default: none. */
  cookie?: string
  /** Cache used to verify the token for `scope: 'all'`; same meaning as in `requireInstantUser`. */
  cache?: false | VerifyCacheOptions
  onEvent?: OnEvent
  logger?: KitLogger
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
  assertOptionsObject(options, 'signOutRouter')
  const { db, path = '/sign-out', scope = 'session', cookie, cache } = options
  assertDb(db)
  assertPath(path, 'path')
  if (scope !== 'session' && scope !== 'all')
    throw new TypeError("`scope` must be 'session' (default) or 'all'.")
  if (cache !== undefined && cache !== false && (typeof cache !== 'object' || cache === null)) {
    throw new TypeError('`cache` must be false or an object { ttlMs, negativeTtlMs, max }.')
  }
  const logger = resolveLogger(options.logger)
  const onEvent = resolveOnEvent(options.onEvent, logger)
  const { passErrors, securityHeaders } = resolveResponseOptions(options)
  const extractToken = createTokenExtractor({ cookie })
  const timeoutMs = resolveInstantTimeout(options.instantTimeoutMs)
  const verifier =
    scope === 'all' ? createVerifier({ db, cache, logger, onEvent, timeoutMs }) : undefined
  const failure: Failure = { passErrors, securityHeaders, logger, onEvent, where: 'signOutRouter' }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = extractToken(req.headers)
    if (token === undefined) throw missingTokenError()
    if (token.length > MAX_TOKEN_LENGTH) throw invalidTokenError()
    const tokenHash = hashToken(token)
    try {
      if (verifier !== undefined) {
        const cached = verifier.peek(tokenHash)
        if (cached === INVALID) throw invalidTokenError()
        const user = cached ?? (await verifier.verify(token, tokenHash))
        await withInstantTimeout(db.auth.signOut({ id: user.id }), timeoutMs, 'signOut')
        evictUser(db, user.id)
      } else {
        await withInstantTimeout(db.auth.signOut({ refresh_token: token }), timeoutMs, 'signOut')
      }
    } catch (error) {
      if (isKitError(error)) throw error
      const { error: kitError, log } = classifyInstantError(error, 'signOut')
      if (log !== undefined) logger.error(log)
      onEvent?.({ type: 'upstream_error', operation: 'signOut', code: kitError.code })
      throw kitError
    } finally {
      // Evict even when Instant failed: a retry must not be answered from a stale positive entry.
      evictToken(db, tokenHash)
    }
    onEvent?.({ type: 'signed_out', scope })
    sendEmpty(res, 204)
  }

  return function signOut(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (req.method !== 'POST' || !matchesPath(req.url, path)) {
      next()
      return
    }
    securityHeaders(req, res)
    handle(req, res).catch((error: unknown) => fail(req, res, next, error, failure))
  }
}
