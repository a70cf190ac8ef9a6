/**
 * `signInRouter`: `POST /sign-in` runs *your* credential check, then Instant's `createToken`.
 * `createToken({ email })` creates missing users, so nothing is minted unless `authenticate`
 * vouched for the caller; every refusal answers the same generic 401.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { KitError, isKitError } from '../core/errors.js'
import { classifyInstantError, type InstantOperation } from '../core/classify-error.js'
import { normalizeEmail } from '../core/email.js'
import { resolveLogger, resolveOnEvent, type KitLogger, type OnEvent } from '../core/events.js'
import type { InstantAuthDb } from '../core/instant-db.js'
import {
  resolveInstantTimeout,
  withInstantTimeout,
  type InstantTimeoutOptions,
} from '../core/instant-timeout.js'
import { readJsonBody, resolveBodyLimit } from './body.js'
import { assertDb, assertOptionsObject, assertPath, matchesPath } from './options.js'
import {
  fail,
  resolveResponseOptions,
  sendJson,
  type Failure,
  type Middleware,
  type Next,
  type ResponseOptions,
} from './respond.js'
import { checkAll, createLimiter, type LimiterSetting } from './rate-limits.js'

/** Who `authenticate` says the caller is. */
export type SignInIdentity = { email: string } | { id: string }

/** The request `authenticate` receives: `body` is the parsed JSON body. */
export type SignInRequest = IncomingMessage & { body: Record<string, unknown> }

/** Default sign-in failure limits: per IP and per email (`body.email`), 15 minutes. */
export const SIGN_IN_FAILURES_PER_IP = { windowMs: 15 * 60_000, limit: 20 } as const
export const SIGN_IN_FAILURES_PER_EMAIL = { windowMs: 15 * 60_000, limit: 5 } as const

/** Options of {@link signInRouter}. */
export interface SignInRouterOptions extends ResponseOptions, InstantTimeoutOptions {
  /** Your Instant admin client. */
  db: InstantAuthDb
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
  /** Abuse limits (failed sign-ins only), or `false` to turn them all off. */
  rateLimit?:
    | false
    | {
        /** Default 20 failures per 15 min per IP. */
        failuresPerIp?: LimiterSetting
        /** Default 5 failures per 15 min per `body.email`. */
        failuresPerEmail?: LimiterSetting
      }
  onEvent?: OnEvent
  logger?: KitLogger
}

/**
 * Mounts `POST /sign-in` → `200 { token }`.
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
  assertOptionsObject(options, 'signInRouter')
  const { db, authenticate, path = '/sign-in', allowSignUp = true } = options
  assertDb(db)
  if (typeof authenticate !== 'function') {
    throw new TypeError('`authenticate` must be a function (req) => ({ email } | { id } | null).')
  }
  assertPath(path, 'path')
  if (typeof allowSignUp !== 'boolean')
    throw new TypeError('`allowSignUp` must be a boolean (default true).')
  const bodyLimit = resolveBodyLimit(options.bodyLimit)
  const logger = resolveLogger(options.logger)
  const onEvent = resolveOnEvent(options.onEvent, logger)
  const { passErrors, securityHeaders } = resolveResponseOptions(options)
  const timeoutMs = resolveInstantTimeout(options.instantTimeoutMs)
  const limits = options.rateLimit ?? {}
  if (limits !== false && (typeof limits !== 'object' || limits === null)) {
    throw new TypeError('`rateLimit` must be false or { failuresPerIp, failuresPerEmail }.')
  }
  const perIp =
    limits === false
      ? undefined
      : createLimiter(
          'sign-in-ip',
          'rateLimit.failuresPerIp',
          limits.failuresPerIp,
          { ...SIGN_IN_FAILURES_PER_IP, failuresOnly: true },
          onEvent,
          logger,
        )
  const perEmail =
    limits === false
      ? undefined
      : createLimiter(
          'sign-in-email',
          'rateLimit.failuresPerEmail',
          limits.failuresPerEmail,
          { ...SIGN_IN_FAILURES_PER_EMAIL, failuresOnly: true },
          onEvent,
          logger,
        )
  const failure: Failure = { passErrors, securityHeaders, logger, onEvent, where: 'signInRouter' }

  function upstream(error: unknown, operation: InstantOperation): KitError {
    const { error: kitError, log } = classifyInstantError(error, operation)
    if (log !== undefined) logger.error(log)
    if (kitError.code !== 'invalid_credentials')
      onEvent?.({ type: 'upstream_error', operation, code: kitError.code })
    return kitError
  }

  function refused(reason: 'refused' | 'unknown_user', cause?: unknown): KitError {
    onEvent?.({ type: 'sign_in_refused', reason })
    return new KitError('invalid_credentials', cause === undefined ? {} : { cause })
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonBody(req, bodyLimit)
    const bodyEmail = normalizeEmail(body['email'])
    await checkAll(req, res, [
      [perIp, { ip: true }],
      [perEmail, bodyEmail === undefined ? undefined : { email: bodyEmail }],
    ])

    let identity: SignInIdentity | null
    try {
      identity = await authenticate(req as SignInRequest)
    } catch (error) {
      // A refusal is the one generic 401; any other throw (a bug, a provider outage) is not.
      if (isKitError(error) && error.code === 'invalid_credentials') throw refused('refused', error)
      throw error
    }
    const lookup = toLookup(identity)
    if (lookup === undefined) throw refused('refused')

    if (!allowSignUp) {
      let existing: unknown
      try {
        existing = await withInstantTimeout(db.auth.getUser(lookup), timeoutMs, 'getUser')
      } catch (error) {
        throw upstream(error, 'getUser')
      }
      if (existing === null || existing === undefined) throw refused('unknown_user')
    }
    let token: string
    try {
      token = await withInstantTimeout(db.auth.createToken(lookup), timeoutMs, 'createToken')
    } catch (error) {
      throw upstream(error, 'createToken')
    }
    if (typeof token !== 'string' || token === '') {
      throw upstream(new SyntaxError('createToken returned no token'), 'createToken')
    }
    onEvent?.({ type: 'signed_in', method: 'email' in lookup ? 'email' : 'id' })
    sendJson(res, 200, { token })
  }

  return function signIn(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (req.method !== 'POST' || !matchesPath(req.url, path)) {
      next()
      return
    }
    securityHeaders(req, res)
    handle(req, res).catch((error: unknown) => fail(req, res, next, error, failure))
  }
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
