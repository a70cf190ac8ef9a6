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
import { createVerifier, evictToken, evictUser } from '../verification/verifier.js'
import { hashToken, sharedTtls } from '../verification/verify-cache.js'
import { resolveSignOutOptions, type SignOutRouterOptions } from './options.js'
import { sendEmpty, type Middleware } from '../http/respond.js'
import { postRoutes } from '../http/route.js'
import { readBody, resolveBodyLimit } from '../http/body.js'
import { isFormPost, redirectSuccess, withFormRedirect } from '../http/form-redirect.js'
import { isKitError } from '../errors/kit-error.js'

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
  const config = resolveSignOutOptions(options)
  const { db, logger, onEvent, timeoutMs, failure, scope, cache, cookieSession, store } = config
  const { redirect } = config
  const bodyLimit = resolveBodyLimit(undefined, 'signOutRouter')
  const extractToken = createTokenExtractor({ cookie: cookieSession?.name })
  // Only `scope: 'all'` verifies the token (to learn its user, always asking Instant);
  // 'session' revokes it as is.
  const verifier =
    scope === 'all' ? createVerifier({ db, cache, logger, onEvent, timeoutMs, store }) : undefined
  // The "invalid" entry a revocation leaves in the shared store lives as long as the one the
  // verifier shares for an unknown token.
  const { negativeTtlMs } = sharedTtls(cache)

  /** Revokes the request's token; rejects with the error to answer. */
  async function revoke(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (redirect === undefined || !isFormPost(req)) {
      await revoke(req, res)
      sendEmpty(res, 204)
      return
    }
    // A form post: same-origin only (checked as the body is read), then signed out either way.
    const body = await readBody(req, bodyLimit, cookieSession)
    try {
      await revoke(req, res)
    } catch (error) {
      // No session left to end (no cookie, or a dead one, now cleared): the user is signed out.
      const code = isKitError(error) ? error.code : undefined
      if (code !== 'missing_token' && code !== 'invalid_token') throw error
    }
    redirectSuccess(res, redirect, body)
  }

  return postRoutes(
    'signOut',
    [[config.path, withFormRedirect(redirect, failure, handle)]],
    failure,
  )
}
