/**
 * `tokenMigrationRouter`: `POST /migrate-token` swaps a token of the backend an app is leaving
 * (`from`, e.g. Instant Cloud) for one of the backend it moves to (`db`, e.g. self-hosted
 * Instant), so a signed-in user never sees a sign-in page during the move. The old token is
 * verified at `from`, always fresh (a revoked token is refused at once); the same user gets a
 * token on `db`, found by id when the restore carried the ids over, else by email.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { invalidTokenError, missingTokenError } from '../errors/token-errors.js'
import { callInstant } from '../instant/instant-timeout.js'
import type { InstantUser } from '../instant/instant-db.js'
import { upstreamError } from '../instant/upstream-error.js'
import { checkAll } from '../http/rate-limits.js'
import { sendJson, type Middleware } from '../http/respond.js'
import { postRoutes } from '../http/route.js'
import { MAX_TOKEN_LENGTH, createTokenExtractor } from '../http/token-source.js'
import { createVerifier } from '../verification/verifier.js'
import { hashToken } from '../verification/verify-cache.js'
import { resolveTokenMigrationOptions, type TokenMigrationRouterOptions } from './options.js'

/**
 * Mounts `POST /migrate-token` → `200 { token }`, the new backend's token for the user of the
 * old backend's token the request carries (in the `token` header, `Authorization: Bearer`, or
 * the `cookie` when configured). An unknown or revoked token answers the kit's generic 401
 * `invalid_token`. With `cookie`, the new token also replaces the session cookie; the request
 * must then be same-origin (403 `csrf_rejected`). Mount it for the cut-over window only.
 *
 * @example
 * ```ts
 * import { init } from 'instant-express-auth/admin'
 * const cloud = init({ appId: OLD_APP_ID, adminToken: OLD_ADMIN_TOKEN })
 * const selfHosted = init({ appId, adminToken, apiURI: 'https://instant.example.com' })
 * app.use(tokenMigrationRouter({ from: cloud, db: selfHosted }))
 * ```
 */
export function tokenMigrationRouter(options: TokenMigrationRouterOptions): Middleware {
  const config = resolveTokenMigrationOptions(options)
  const { db, from, logger, onEvent, timeoutMs, failure, cookieSession, tokenInBody } = config
  const { perIp } = config
  const extractToken = createTokenExtractor({ cookie: cookieSession?.name })
  // Never cached: a token revoked at the old backend must not be swapped for a live one. And no
  // state store: the store's verification entries are keyed by token alone, so an old backend's
  // token written there would pass as valid wherever the new backend's routes share it. The
  // store is the rate limiter's only.
  const verifier = createVerifier({ db: from, cache: false, logger, onEvent, timeoutMs })

  /** The new backend's lookup for the old backend's user: its id when restored, else its email. */
  async function lookupOnNew(user: InstantUser): Promise<{ id: string } | { email: string }> {
    let existing: unknown
    try {
      existing = await callInstant(db, 'getUser', timeoutMs, (call) =>
        db.auth.getUser({ id: user.id }, call),
      )
    } catch (error) {
      throw upstreamError(error, 'getUser', { logger, onEvent, db })
    }
    if (existing !== null && existing !== undefined) return { id: user.id }
    // A guest has no email to find it by: without its id on the new backend it cannot move.
    if (typeof user.email !== 'string' || user.email === '') throw invalidTokenError()
    return { email: user.email }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The answer sets the session cookie: same-origin only, as for signInRouter.
    const forged = cookieSession?.checkSetter(req)
    if (forged !== undefined) throw forged
    await checkAll(req, res, [[perIp, { ip: true }]])
    const token = extractToken(req.headers, req)
    if (token === undefined) throw missingTokenError()
    if (token.length > MAX_TOKEN_LENGTH) throw invalidTokenError()
    const user = await verifier.verifyFresh(token, hashToken(token))
    const lookup = await lookupOnNew(user)
    let newToken: string
    try {
      newToken = await callInstant(db, 'createToken', timeoutMs, (call) =>
        db.auth.createToken(lookup, call),
      )
    } catch (error) {
      throw upstreamError(error, 'createToken', { logger, onEvent, db })
    }
    if (typeof newToken !== 'string' || newToken === '') {
      throw upstreamError(new SyntaxError('createToken returned no token'), 'createToken', {
        logger,
        onEvent,
        db,
      })
    }
    onEvent?.({ type: 'signed_in', method: 'id' in lookup ? 'id' : 'email' })
    cookieSession?.set(req, res, newToken)
    sendJson(res, 200, tokenInBody ? { token: newToken } : {})
  }

  return postRoutes('migrateToken', [[config.path, handle]], failure)
}
