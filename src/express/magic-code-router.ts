/**
 * `magicCodeRouter`: `POST /custom-send-magic-code` generates a code with Instant and delivers
 * it with *your* email provider; `POST /verify-magic-code` trades it for a token. Instant's
 * `generateMagicCode` has no rate limit of its own, so sends and verifications are limited here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { KitError } from '../core/errors.js'
import type { InstantOperation } from '../core/classify-error.js'
import { emailDomain, normalizeEmail } from '../core/email.js'
import { emailFailure } from '../core/email-failure.js'
import { publicUser, type InstantAuthDb } from '../core/instant-db.js'
import { withInstantTimeout } from '../core/instant-timeout.js'
import { resolveTimeoutMs, withTimeout } from '../core/timeout.js'
import { upstreamError } from '../core/upstream-error.js'
import { readJsonBody, resolveBodyLimit } from './body.js'
import { assertPath, resolveCommonOptions, type CommonOptions } from './options.js'
import { checkAll, resolveRateLimits, type LimiterSetting } from './rate-limits.js'
import { sendJson, type Middleware } from './respond.js'
import { postRoutes } from './route.js'

/** What `sendEmail` receives. Keep `code` out of your logs. */
export interface MagicCodeEmail {
  /** Normalised (trimmed, lower-cased) address. */
  email: string
  /** The code to deliver. */
  code: string
}

/** Default limits (express-rate-limit windows). */
export const RESEND_COOLDOWN = { windowMs: 30_000, limit: 1 } as const
export const SENDS_PER_EMAIL = { windowMs: 60 * 60_000, limit: 10 } as const
export const SENDS_PER_IP = { windowMs: 15 * 60_000, limit: 30 } as const
export const VERIFY_FAILURES_PER_EMAIL = { windowMs: 15 * 60_000, limit: 5 } as const
export const VERIFY_FAILURES_PER_IP = { windowMs: 15 * 60_000, limit: 30 } as const

/** How long `sendEmail` may take before the send route answers 503 `email_unavailable`, in ms. */
export const DEFAULT_SEND_EMAIL_TIMEOUT_MS = 15_000

/** Options of {@link magicCodeRouter}. */
export interface MagicCodeRouterOptions extends CommonOptions {
  /** Delivers the code. Throw (anything) when the provider fails: the route answers 503 `email_unavailable`. */
  sendEmail: (message: MagicCodeEmail) => Promise<void> | void
  /**
   * Upper bound on one `sendEmail` call, in ms (default `15_000`); past it the route answers
   * 503 `email_unavailable` instead of holding the request while a provider hangs.
   */
  sendEmailTimeoutMs?: number
  /** Send route. Default `'/custom-send-magic-code'`. */
  path?: string
  /** Verify route. Default `'/verify-magic-code'`. */
  verifyPath?: string
  /** Largest JSON body read when no body parser ran, in bytes. Default 16 KiB. */
  bodyLimit?: number
  /** Abuse limits; each takes express-rate-limit options (any store), or `false`. `false` turns all off. */
  rateLimit?:
    | false
    | {
        /** Default 1 send per 30 s per email. */
        resendCooldown?: LimiterSetting
        /** Default 10 sends per hour per email. */
        sendsPerEmail?: LimiterSetting
        /** Default 30 sends per 15 min per IP. */
        sendsPerIp?: LimiterSetting
        /** Default 5 wrong codes per 15 min per email, then that email is blocked for the window. */
        verifyFailuresPerEmail?: LimiterSetting
        /** Default 30 wrong codes per 15 min per IP. */
        verifyFailuresPerIp?: LimiterSetting
      }
}

const CODE = /^[A-Za-z0-9]{4,16}$/

/** `sendEmail` outlived `sendEmailTimeoutMs`; kept as the `cause` of the 503. */
class SendEmailTimeoutError extends Error {
  override readonly name = 'SendEmailTimeoutError'
  constructor(timeoutMs: number) {
    super(`sendEmail did not finish within ${timeoutMs} ms`)
  }
}

/**
 * Mounts `POST /custom-send-magic-code` `{ email }` → `200 { sent: true }` (same answer for known
 * and unknown emails) and `POST /verify-magic-code` `{ email, code }` → `200 { token, user, created }`.
 *
 * @example
 * ```ts
 * app.use(magicCodeRouter({
 *   db,
 *   sendEmail: ({ email, code }) => resend.emails.send({ to: email, subject: 'Your code', text: code }),
 * }))
 * ```
 */
export function magicCodeRouter(options: MagicCodeRouterOptions): Middleware {
  const { db, logger, onEvent, timeoutMs, failure } = resolveCommonOptions(
    options,
    'magicCodeRouter',
  )
  const { sendEmail, path = '/custom-send-magic-code', verifyPath = '/verify-magic-code' } = options
  if (typeof sendEmail !== 'function')
    throw new TypeError('`sendEmail` must be a function ({ email, code }) => Promise<void>.')
  assertPath(path, 'path')
  assertPath(verifyPath, 'verifyPath')
  if (path === verifyPath) throw new TypeError('`path` and `verifyPath` must differ.')
  const sendEmailTimeoutMs = resolveTimeoutMs(
    options.sendEmailTimeoutMs,
    'sendEmailTimeoutMs',
    DEFAULT_SEND_EMAIL_TIMEOUT_MS,
  )
  const bodyLimit = resolveBodyLimit(options.bodyLimit)
  const limiter = resolveRateLimits(options.rateLimit, onEvent, logger)
  const sendsPerIp = limiter('send-ip', 'sendsPerIp', SENDS_PER_IP, false)
  const resendCooldown = limiter('send-cooldown', 'resendCooldown', RESEND_COOLDOWN, false)
  const sendsPerEmail = limiter('send-email', 'sendsPerEmail', SENDS_PER_EMAIL, false)
  const verifyPerIp = limiter('verify-ip', 'verifyFailuresPerIp', VERIFY_FAILURES_PER_IP, true)
  const verifyPerEmail = limiter(
    'verify-email',
    'verifyFailuresPerEmail',
    VERIFY_FAILURES_PER_EMAIL,
    true,
  )
  const upstream = (error: unknown, operation: InstantOperation): KitError =>
    upstreamError(error, operation, { logger, onEvent, db })

  async function emailFrom(
    req: IncomingMessage,
  ): Promise<{ body: Record<string, unknown>; email: string }> {
    const body = await readJsonBody(req, bodyLimit)
    const email = normalizeEmail(body['email'])
    if (email === undefined)
      throw new KitError('invalid_request', { detail: 'A valid `email` is required.' })
    return { body, email }
  }

  async function send(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { email } = await emailFrom(req)
    await checkAll(req, res, [
      [sendsPerIp, { ip: true }],
      [resendCooldown, { email }],
      [sendsPerEmail, { email }],
    ])
    let code: string
    try {
      code = (
        await withInstantTimeout(db.auth.generateMagicCode(email), timeoutMs, 'generateMagicCode')
      )?.code
    } catch (error) {
      throw upstream(error, 'generateMagicCode')
    }
    if (typeof code !== 'string' || code === '') {
      // A 200 without a code (a proxy, a stub) must not "send" nothing and answer sent: true.
      throw upstream(new SyntaxError('generateMagicCode returned no code'), 'generateMagicCode')
    }
    try {
      await withTimeout(
        sendEmail({ email, code }),
        sendEmailTimeoutMs,
        () => new SendEmailTimeoutError(sendEmailTimeoutMs),
      )
    } catch (error) {
      const domain = emailDomain(email)
      const timedOut = error instanceof SendEmailTimeoutError ? sendEmailTimeoutMs : undefined
      const failure = emailFailure(error, domain, timedOut)
      logger.error(failure.log)
      onEvent?.({
        type: 'email_failed',
        emailDomain: domain,
        code: failure.code,
        permanent: failure.permanent,
      })
      throw failure.error
    }
    onEvent?.({ type: 'code_sent', emailDomain: emailDomain(email) })
    sendJson(res, 200, { sent: true })
  }

  async function verify(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { body, email } = await emailFrom(req)
    const rawCode = body['code']
    const code =
      typeof rawCode === 'string'
        ? rawCode.trim()
        : typeof rawCode === 'number'
          ? String(rawCode)
          : undefined
    if (code === undefined || !CODE.test(code))
      throw new KitError('invalid_request', { detail: 'A `code` is required.' })
    await checkAll(req, res, [
      [verifyPerIp, { ip: true }],
      [verifyPerEmail, { email }],
    ])
    let result: Awaited<ReturnType<InstantAuthDb['auth']['checkMagicCode']>>
    try {
      result = await withInstantTimeout(
        db.auth.checkMagicCode(email, code),
        timeoutMs,
        'checkMagicCode',
      )
    } catch (error) {
      const kitError = upstream(error, 'checkMagicCode')
      if (kitError.code === 'invalid_code')
        onEvent?.({ type: 'code_rejected', emailDomain: emailDomain(email) })
      throw kitError
    }
    const token = result?.user?.refresh_token
    if (typeof token !== 'string' || typeof result.user.id !== 'string') {
      throw upstream(new SyntaxError('checkMagicCode returned no user token'), 'checkMagicCode')
    }
    const user = publicUser(result.user)
    onEvent?.({ type: 'code_verified', userId: user.id, created: result.created === true })
    sendJson(res, 200, { token, user, created: result.created === true })
  }

  return postRoutes(
    'magicCode',
    [
      [path, send],
      [verifyPath, verify],
    ],
    failure,
  )
}
