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
import { readJsonBody, resolveBodyLimit } from '../http/body.js'
import {
  TOKEN_ISSUING_OPTIONS,
  resolveCookieSession,
  resolveTokenInBody,
  type TokenIssuingOptions,
} from '../http/cookie.js'
import {
  COMMON_OPTIONS,
  assertPath,
  resolveCommonOptions,
  type CommonOptions,
} from '../http/common-options.js'
import type { OptionKeys } from '../options/keys.js'
import { sendJson, type Middleware } from '../http/respond.js'
import { postRoutes } from '../http/route.js'
import { resolveStateStore, type StateStore } from '../state-store.js'
import { checkAll, resolveRateLimits, type LimiterSetting } from '../http/rate-limits.js'

/** Who `authenticate` says the caller is. */
export type SignInIdentity = { email: string } | { id: string }

/** The request `authenticate` receives: `body` is the parsed JSON body. */
export type SignInRequest = IncomingMessage & { body: Record<string, unknown> }

/** Default sign-in failure limits: per IP, per client of an email, per email; 15 minutes. */
const SIGN_IN_FAILURES_PER_IP = { windowMs: 15 * 60_000, limit: 20 } as const
/** Failures per `body.email` from one IP: the low limit. */
const SIGN_IN_FAILURES_PER_CLIENT = { windowMs: 15 * 60_000, limit: 5 } as const
/**
 * Failures per `body.email` from all clients together: a ceiling four times the per-client
 * limit, so an attacker without the victim's IP needs four addresses to lock the email out.
 */
const SIGN_IN_FAILURES_PER_EMAIL = { windowMs: 15 * 60_000, limit: 20 } as const

/** Options of {@link signInRouter}. */
export interface SignInRouterOptions extends CommonOptions, TokenIssuingOptions {
  /**
   * Your credential check. Return `{ email }` or `{ id }` for a verified caller, `null` to refuse.
   * Throw `new KitError('auth_unavailable')` when your identity provider is down (503).
   */
  authenticate: (req: SignInRequest) => Promise<SignInIdentity | null> | SignInIdentity | null
  /** Route path. Default `'/sign-in'`. */
  path?: string
  /** Create the Instant user when missing. Default `true`; `false` answers the generic 401 for unknown users. */
  allowSignUp?: boolean
  /** Largest JSON body read when no body parser ran, in bytes. Default 16 KiB. */
  bodyLimit?: number
  /**
   * A shared state store (`redisStore`): the failure limits count for every instance. Default:
   * express-rate-limit's memory store, per process.
   */
  store?: StateStore
  /** Abuse limits (failed sign-ins only), or `false` to turn them all off. */
  rateLimit?:
    | false
    | {
        /** Default 20 failures per 15 min per IP. */
        failuresPerIp?: LimiterSetting
        /** Default 5 failures per 15 min per `body.email` from one IP. */
        failuresPerClient?: LimiterSetting
        /** Default 20 failures per 15 min per `body.email`, all clients together. */
        failuresPerEmail?: LimiterSetting
      }
}

/** Every key {@link signInRouter} accepts; anything else throws (see `checkOptionKeys`). */
const SIGN_IN_ROUTER_OPTIONS = {
  ...COMMON_OPTIONS,
  ...TOKEN_ISSUING_OPTIONS,
  authenticate: true,
  path: true,
  allowSignUp: true,
  bodyLimit: true,
  rateLimit: { failuresPerIp: true, failuresPerClient: true, failuresPerEmail: true },
  store: true,
} as const satisfies OptionKeys<SignInRouterOptions>

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
  const { db, logger, onEvent, timeoutMs, failure } = resolveCommonOptions(
    options,
    'signInRouter',
    SIGN_IN_ROUTER_OPTIONS,
  )
  const { authenticate, path = '/sign-in', allowSignUp = true } = options
  if (typeof authenticate !== 'function') {
    throw new TypeError('`authenticate` must be a function (req) => ({ email } | { id } | null).')
  }
  assertPath(path, 'path')
  if (typeof allowSignUp !== 'boolean')
    throw new TypeError('`allowSignUp` must be a boolean (default true).')
  const bodyLimit = resolveBodyLimit(options.bodyLimit, 'signInRouter')
  const store = options.store === undefined ? undefined : resolveStateStore(options.store)
  const cookieSession = resolveCookieSession(options, 'signInRouter')
  const tokenInBody = resolveTokenInBody(options.tokenInBody, cookieSession)
  const limiter = resolveRateLimits(options.rateLimit, onEvent, logger, store)
  const perIp = limiter('sign-in-ip', 'failuresPerIp', SIGN_IN_FAILURES_PER_IP, true)
  const perClient = limiter(
    'sign-in-client',
    'failuresPerClient',
    SIGN_IN_FAILURES_PER_CLIENT,
    true,
  )
  const perEmail = limiter('sign-in-email', 'failuresPerEmail', SIGN_IN_FAILURES_PER_EMAIL, true)
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
    const body = await readJsonBody(req, bodyLimit)
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
    sendJson(res, 200, tokenInBody ? { token } : {})
  }

  return postRoutes('signIn', [[path, handle]], failure)
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
