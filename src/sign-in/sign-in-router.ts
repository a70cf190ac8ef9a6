/**
 * `signInRouter`: `POST /sign-in` runs *your* credential check, then Instant's `createToken`.
 * `createToken({ email })` creates missing users, so nothing is minted unless `authenticate`
 * vouched for the caller; every refusal answers the same generic 401.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { KitError, isKitError } from '../errors/kit-error.js'
import { UNAVAILABLE_RETRY_AFTER_S, type InstantOperation } from '../instant/classify-error.js'
import { normalizeEmail } from '../http/email-address.js'
import { callInstant } from '../instant/instant-timeout.js'
import { upstreamError } from '../instant/upstream-error.js'
import { readBody } from '../http/body.js'
import { isFormPost, redirectSuccess, withFormRedirect } from '../http/form-redirect.js'
import { sendJson, type Middleware } from '../http/respond.js'
import { postRoutes } from '../http/route.js'
import { checkAll } from '../http/rate-limits.js'
import {
  resolveSignInOptions,
  type SignInIdentity,
  type SignInRequest,
  type SignInRouterOptions,
} from './options.js'

/**
 * Mounts `POST /sign-in` → `200 { token }`. With `cookie`, also sets the HttpOnly session cookie
 * (and answers `{}` with `tokenInBody: false`); the request must then be same-origin JSON
 * (403 `csrf_rejected`).
 *
 * @example
 * ```ts
 * app.use(signInRouter({
 *   db,
 *   authenticate: async (req) => {
 *     const { email, password } = req.body
 *     return (await checkPassword(email, password)) ? { email } : null
 *   },
 * }))
 * ```
 */
export function signInRouter(options: SignInRouterOptions): Middleware {
  const config = resolveSignInOptions(options)
  const { db, logger, onEvent, timeoutMs, failure, authenticate, allowSignUp } = config
  const { bodyLimit, cookieSession, tokenInBody, redirect } = config
  const { perIp, perClient, perEmail } = config.limiters
  const upstream = (error: unknown, operation: InstantOperation): KitError =>
    upstreamError(error, operation, { logger, onEvent, db })

  function refused(reason: 'refused' | 'unknown_user', cause?: unknown): KitError {
    onEvent?.({ type: 'sign_in_refused', reason })
    return new KitError('invalid_credentials', cause === undefined ? {} : { cause })
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Login CSRF: a cross-site page must not sign the browser in to an account of its choosing.
    const forged = cookieSession?.checkSetter(req)
    if (forged !== undefined) throw forged
    const body = await readBody(req, bodyLimit, cookieSession)
    const bodyEmail = normalizeEmail(body['email'])
    await checkAll(req, res, [
      [perIp, { ip: true }],
      [perClient, bodyEmail === undefined ? undefined : { email: bodyEmail, ip: true }],
      [perEmail, bodyEmail === undefined ? undefined : { email: bodyEmail }],
    ])

    let identity: SignInIdentity | null
    try {
      identity = await authenticate(req as SignInRequest)
    } catch (error) {
      // A refusal is the one generic 401; any other throw (a bug, a provider outage) is not.
      if (isKitError(error) && error.code === 'invalid_credentials') throw refused('refused', error)
      if (isKitError(error) && error.code === 'auth_unavailable' && !error.headers['Retry-After']) {
        // An identity provider's outage answers like Instant's: 503 with a retry hint.
        throw new KitError('auth_unavailable', {
          cause: error,
          detail: error.message,
          headers: { ...error.headers, 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) },
        })
      }
      throw error
    }
    const lookup = toLookup(identity)
    if (lookup === undefined) throw refused('refused')

    if (!allowSignUp) {
      let existing: unknown
      try {
        existing = await callInstant(db, 'getUser', timeoutMs, (call) =>
          db.auth.getUser(lookup, call),
        )
      } catch (error) {
        throw upstream(error, 'getUser')
      }
      if (existing === null || existing === undefined) throw refused('unknown_user')
    }
    let token: string
    try {
      token = await callInstant(db, 'createToken', timeoutMs, (call) =>
        db.auth.createToken(lookup, call),
      )
    } catch (error) {
      throw upstream(error, 'createToken')
    }
    if (typeof token !== 'string' || token === '') {
      throw upstream(new SyntaxError('createToken returned no token'), 'createToken')
    }
    onEvent?.({ type: 'signed_in', method: 'email' in lookup ? 'email' : 'id' })
    cookieSession?.set(req, res, token)
    if (redirect !== undefined && isFormPost(req)) redirectSuccess(res, redirect, body)
    else sendJson(res, 200, tokenInBody ? { token } : {})
  }

  return postRoutes('signIn', [[config.path, withFormRedirect(redirect, failure, handle)]], failure)
}

/** `{ email }` (normalised) or `{ id }` from `authenticate`'s answer; anything else is a refusal. */
function toLookup(identity: unknown): { email: string } | { id: string } | undefined {
  if (typeof identity !== 'object' || identity === null) return undefined
  const { email, id } = identity as { email?: unknown; id?: unknown }
  if (email !== undefined)
    return typeof email === 'string' && normalizeEmail(email) !== undefined
      ? { email: normalizeEmail(email) as string }
      : undefined
  if (typeof id === 'string' && id.trim() !== '') return { id: id.trim() }
  return undefined
}
