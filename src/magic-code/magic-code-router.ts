/**
 * `magicCodeRouter`: `POST /custom-send-magic-code` generates a code with Instant and delivers
 * it with *your* email provider; `POST /verify-magic-code` trades it for a token. Instant's
 * `generateMagicCode` has no rate limit of its own and its codes stay valid for 24 h, so the
 * router keeps its own record of the code it issued (see magic-code-records.ts): only that code
 * verifies, within `codeTtlMs`, for a few attempts, under daily ceilings per email.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { KitError, isKitError } from '../errors/kit-error.js'
import { UNAVAILABLE_RETRY_AFTER_S, type InstantOperation } from '../instant/classify-error.js'
import { emailDomain, normalizeEmail } from '../http/email-address.js'
import { emailFailure } from '../errors/email-failure.js'
import { publicUser, type InstantAuthDb } from '../instant/instant-db.js'
import { callInstant } from '../instant/instant-timeout.js'
import {
  DAILY_WINDOW_MS,
  DEFAULT_CODE_ATTEMPTS,
  DEFAULT_CODE_TTL_MS,
  DEFAULT_DAILY_ATTEMPTS_PER_CLIENT,
  DEFAULT_DAILY_ATTEMPTS_PER_EMAIL,
  DEFAULT_DAILY_SENDS_PER_EMAIL,
  magicCodeRecords,
} from './magic-code-records.js'
import { resolveStateStore, type StateStore } from '../state-store.js'
import { resolveCodeSecret, type CodeSecret } from './code-secret.js'
import { resolvePositiveInt, resolveTimeoutMs } from '../options/numbers.js'
import { withTimeout } from '../options/timeout.js'
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
import { checkAll, clientIp, resolveRateLimits, type LimiterSetting } from '../http/rate-limits.js'
import { sendJson, type Middleware } from '../http/respond.js'
import { postRoutes } from '../http/route.js'

/** What `sendEmail` receives. Keep `code` out of your logs. */
export interface MagicCodeEmail {
  /** Normalised (trimmed, lower-cased) address. */
  email: string
  /** The code to deliver. */
  code: string
  /** How long the code verifies, in ms (the router's `codeTtlMs`): say so in the email. */
  expiresInMs: number
}

/** Default limits (express-rate-limit windows). */
const RESEND_COOLDOWN = { windowMs: 30_000, limit: 1 } as const
const SENDS_PER_EMAIL = { windowMs: 60 * 60_000, limit: 10 } as const
const SENDS_PER_IP = { windowMs: 15 * 60_000, limit: 30 } as const
/**
 * Wrong codes per email, all clients together: a ceiling above what one client may try
 * ({@link VERIFY_FAILURES_PER_CLIENT}), so an attacker without the victim's IP cannot lock the
 * victim out from one address.
 */
const VERIFY_FAILURES_PER_EMAIL = { windowMs: 15 * 60_000, limit: 20 } as const
/** Wrong codes per email from one client (IP): the low limit. */
const VERIFY_FAILURES_PER_CLIENT = { windowMs: 15 * 60_000, limit: 5 } as const
const VERIFY_FAILURES_PER_IP = { windowMs: 15 * 60_000, limit: 30 } as const

/** How long `sendEmail` may take before the send route answers 503 `email_unavailable`, in ms. */
const DEFAULT_SEND_EMAIL_TIMEOUT_MS = 15_000

/** Options of {@link magicCodeRouter}. */
export interface MagicCodeRouterOptions extends CommonOptions, TokenIssuingOptions {
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
  /**
   * Where issued codes, their attempt counters and the daily ceilings are kept. Default: a
   * {@link memoryStore} per router. Apps with several instances need one shared store, or a
   * code sent by one instance does not verify on another. A shared store (`redisStore`) also
   * holds the rate-limit counters.
   */
  store?: StateStore
  /**
   * Key of the HMACs the store holds instead of codes and emails: a string or bytes, at least
   * 32 bytes (`openssl rand -base64 32`). **Required with any store but `memoryStore()`**, the
   * same on every instance; a memory store gets a random key of its own. Without it, whoever
   * reads a shared store could try all 10^6 codes against a record. Changing it invalidates
   * pending codes (users ask for a new one) and starts the daily ceilings over.
   *
   * @example
   * ```ts
   * magicCodeRouter({ db, sendEmail, store: redisStore({ client }), codeSecret: process.env.MAGIC_CODE_SECRET })
   * ```
   */
  codeSecret?: CodeSecret
  /** How long a code verifies, in ms. Default `600_000` (10 minutes); at most 24 h. */
  codeTtlMs?: number
  /** Verification attempts one code accepts; the last wrong one burns it. Default `5`. */
  codeAttempts?: number
  /**
   * Ceilings per 24 h window, kept in `store`; not turned off by `rateLimit: false`, since the
   * guessing budget rests on them.
   */
  dailyLimits?: {
    /** Codes sent per email. Default `20`. */
    sendsPerEmail?: number
    /** Verification attempts per email, from all clients together. Default `50`. */
    attemptsPerEmail?: number
    /** Verification attempts per email from one client (IP). Default `20`. */
    attemptsPerClient?: number
  }
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
        /** Default 20 wrong codes per 15 min per email (all clients), then that email is blocked for the window. */
        verifyFailuresPerEmail?: LimiterSetting
        /** Default 5 wrong codes per 15 min per email from one IP, then that client is blocked for the window. */
        verifyFailuresPerClient?: LimiterSetting
        /** Default 30 wrong codes per 15 min per IP. */
        verifyFailuresPerIp?: LimiterSetting
      }
}

/** Every key {@link magicCodeRouter} accepts; anything else throws (see `checkOptionKeys`). */
const MAGIC_CODE_ROUTER_OPTIONS = {
  ...COMMON_OPTIONS,
  ...TOKEN_ISSUING_OPTIONS,
  sendEmail: true,
  sendEmailTimeoutMs: true,
  path: true,
  verifyPath: true,
  bodyLimit: true,
  store: true,
  codeSecret: true,
  codeTtlMs: true,
  codeAttempts: true,
  dailyLimits: { sendsPerEmail: true, attemptsPerEmail: true, attemptsPerClient: true },
  rateLimit: {
    resendCooldown: true,
    sendsPerEmail: true,
    sendsPerIp: true,
    verifyFailuresPerEmail: true,
    verifyFailuresPerClient: true,
    verifyFailuresPerIp: true,
  },
} as const satisfies OptionKeys<MagicCodeRouterOptions>

const CODE = /^[A-Za-z0-9]{4,16}$/
const FACTORY = 'magicCodeRouter'

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
 * With `cookie`, verify also sets the HttpOnly session cookie (and leaves `token` out of the
 * answer with `tokenInBody: false`); it must then be a same-origin JSON request (403 `csrf_rejected`).
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
    FACTORY,
    MAGIC_CODE_ROUTER_OPTIONS,
  )
  const { sendEmail, path = '/custom-send-magic-code', verifyPath = '/verify-magic-code' } = options
  if (typeof sendEmail !== 'function')
    throw new TypeError('`sendEmail` must be a function ({ email, code }) => Promise<void>.')
  assertPath(path, 'path')
  assertPath(verifyPath, 'verifyPath')
  if (path === verifyPath) throw new TypeError('`path` and `verifyPath` must differ.')
  const sendEmailTimeoutMs = resolveTimeoutMs(options.sendEmailTimeoutMs, {
    factory: FACTORY,
    option: 'sendEmailTimeoutMs',
    default: DEFAULT_SEND_EMAIL_TIMEOUT_MS,
  })
  const bodyLimit = resolveBodyLimit(options.bodyLimit, FACTORY)
  const store = resolveStateStore(options.store)
  const codeKey = resolveCodeSecret(options.codeSecret, store, FACTORY)
  const cookieSession = resolveCookieSession(options, FACTORY)
  const tokenInBody = resolveTokenInBody(options.tokenInBody, cookieSession)
  const limiter = resolveRateLimits(options.rateLimit, onEvent, logger, store)
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
  const verifyPerClient = limiter(
    'verify-client',
    'verifyFailuresPerClient',
    VERIFY_FAILURES_PER_CLIENT,
    true,
  )
  const codeTtlMs = resolvePositiveInt(options.codeTtlMs, {
    factory: FACTORY,
    option: 'codeTtlMs',
    default: DEFAULT_CODE_TTL_MS,
    max: DAILY_WINDOW_MS,
    unit: 'milliseconds',
  })
  const codeAttempts = resolvePositiveInt(options.codeAttempts, {
    factory: FACTORY,
    option: 'codeAttempts',
    default: DEFAULT_CODE_ATTEMPTS,
  })
  const daily = resolveDailyLimits(options.dailyLimits)
  const records = magicCodeRecords(
    store,
    {
      ttlMs: codeTtlMs,
      attemptsPerCode: codeAttempts,
      dailySendsPerEmail: daily.sendsPerEmail,
      dailyAttemptsPerEmail: daily.attemptsPerEmail,
      dailyAttemptsPerClient: daily.attemptsPerClient,
    },
    codeKey,
  )
  const upstream = (error: unknown, operation: InstantOperation): KitError =>
    upstreamError(error, operation, { logger, onEvent, db })

  /** A store that fails (a shared store's outage) answers like Instant's: 503, logged by name. */
  async function stored<T>(call: Promise<T>): Promise<T> {
    try {
      return await call
    } catch (error) {
      // The Redis store has answered auth_unavailable and logged it (once a minute).
      if (isKitError(error) && error.code === 'auth_unavailable') throw error
      logger.error(
        `instant-express-auth: the state store failed (${error instanceof Error ? error.name : typeof error}); answering 503 auth_unavailable.`,
      )
      throw new KitError('auth_unavailable', {
        cause: error,
        headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) },
      })
    }
  }

  function overDailyLimit(limiter: string, email: string, resetAt: number): KitError {
    onEvent?.({ type: 'rate_limited', limiter, emailDomain: emailDomain(email) })
    const seconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000))
    return new KitError('rate_limited', { headers: { 'Retry-After': String(seconds) } })
  }

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
    const reservation = await stored(records.reserveSend(email))
    if (!reservation.allowed) throw overDailyLimit('code-sends-day', email, reservation.resetAt)
    let code: string
    try {
      code = (
        await callInstant(db, 'generateMagicCode', timeoutMs, (call) =>
          db.auth.generateMagicCode(email, call),
        )
      )?.code
    } catch (error) {
      throw upstream(error, 'generateMagicCode')
    }
    if (typeof code !== 'string' || code === '') {
      // A 200 without a code (a proxy, a stub) must not "send" nothing and answer sent: true.
      throw upstream(new SyntaxError('generateMagicCode returned no code'), 'generateMagicCode')
    }
    // Recorded before delivery: from now on this is the only code of the email that verifies.
    await stored(records.issue(email, code))
    try {
      await withTimeout(
        sendEmail({ email, code, expiresInMs: codeTtlMs }),
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
    // Login CSRF: a cross-site page must not sign the browser in to an account of its choosing.
    const forged = cookieSession?.checkSetter(req)
    if (forged !== undefined) throw forged
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
      [verifyPerClient, { email, ip: true }],
      [verifyPerEmail, { email }],
    ])
    // Checked against the kit's record first: a wrong, old, expired or burned code never
    // reaches Instant, and the right one is consumed here before Instant is asked.
    const check = await stored(records.check(email, clientIp(req), code))
    if (check.outcome === 'limited') throw overDailyLimit('code-attempts-day', email, check.resetAt)
    if (check.outcome === 'rejected') {
      onEvent?.({ type: 'code_rejected', emailDomain: emailDomain(email) })
      throw new KitError('invalid_code')
    }
    let result: Awaited<ReturnType<InstantAuthDb['auth']['checkMagicCode']>>
    try {
      result = await callInstant(db, 'checkMagicCode', timeoutMs, (call) =>
        db.auth.checkMagicCode(email, code, undefined, call),
      )
    } catch (error) {
      const kitError = upstream(error, 'checkMagicCode')
      if (kitError.code === 'invalid_code')
        onEvent?.({ type: 'code_rejected', emailDomain: emailDomain(email) })
      // Anything but a refused code (an outage, a misconfiguration, Instant's own rate limit)
      // left the code unused at Instant, so the user may try it again.
      else await stored(records.restore(check))
      throw kitError
    }
    const token = result?.user?.refresh_token
    if (typeof token !== 'string' || typeof result.user.id !== 'string') {
      await stored(records.restore(check))
      throw upstream(new SyntaxError('checkMagicCode returned no user token'), 'checkMagicCode')
    }
    const user = publicUser(result.user)
    onEvent?.({ type: 'code_verified', userId: user.id, created: result.created === true })
    cookieSession?.set(req, res, token)
    const created = result.created === true
    sendJson(res, 200, tokenInBody ? { token, user, created } : { user, created })
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

/** Validates `dailyLimits` once; each ceiling is a positive integer. */
function resolveDailyLimits(value: unknown): {
  sendsPerEmail: number
  attemptsPerEmail: number
  attemptsPerClient: number
} {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new TypeError(
      '`dailyLimits` must be an object like { sendsPerEmail, attemptsPerEmail, attemptsPerClient }.',
    )
  }
  const limits = (value ?? {}) as Record<string, unknown>
  const ceiling = (name: string, fallback: number): number =>
    resolvePositiveInt(limits[name], {
      factory: FACTORY,
      option: `dailyLimits.${name}`,
      default: fallback,
    })
  return {
    sendsPerEmail: ceiling('sendsPerEmail', DEFAULT_DAILY_SENDS_PER_EMAIL),
    attemptsPerEmail: ceiling('attemptsPerEmail', DEFAULT_DAILY_ATTEMPTS_PER_EMAIL),
    attemptsPerClient: ceiling('attemptsPerClient', DEFAULT_DAILY_ATTEMPTS_PER_CLIENT),
  }
}
