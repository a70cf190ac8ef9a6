/**
 * The options of `magicCodeRouter`, and their one resolution into the {@link MagicCodeConfig}
 * the router is built from.
 */
import { resolveBodyLimit } from '../http/body.js'
import {
  TOKEN_ISSUING_OPTIONS,
  resolveCookieSession,
  resolveTokenInBody,
  type CookieSession,
  type TokenIssuingOptions,
} from '../http/cookie.js'
import {
  COMMON_OPTIONS,
  assertPath,
  resolveCommonOptions,
  type CommonOptions,
  type CommonSettings,
} from '../http/common-options.js'
import {
  MAGIC_CODE_REDIRECT_OPTIONS,
  resolveFormRedirect,
  type FormRedirect,
  type MagicCodeRedirectOptions,
} from '../http/form-redirect.js'
import type { KitLimiter, LimiterSetting } from '../http/rate-limits.js'
import type { OptionKeys } from '../options/keys.js'
import { resolvePositiveInt, resolveTimeoutMs } from '../options/numbers.js'
import { optionError } from '../options/option-error.js'
import { resolveStateStore, type StateStore } from '../state-store.js'
import { resolveSecretAndLimits, type CodeKeys, type CodeSecret } from '../http/code-secret.js'
import {
  DAILY_WINDOW_MS,
  DEFAULT_CODE_ATTEMPTS,
  DEFAULT_CODE_TTL_MS,
  DEFAULT_DAILY_ATTEMPTS_PER_CLIENT,
  DEFAULT_DAILY_ATTEMPTS_PER_EMAIL,
  DEFAULT_DAILY_SENDS_PER_EMAIL,
} from './magic-code-records.js'

const FACTORY = 'magicCodeRouter'

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
   * Key of the HMACs the store holds instead of codes, emails and IPs (the records and the
   * rate-limit keys): a string or bytes, at least 32 bytes (`openssl rand -base64 32`).
   * **Required with any store but `memoryStore()`**, and when a `rateLimit` limiter names its
   * own `store`; the same on every instance. A memory store gets a random key of its own.
   * Without it, whoever reads a shared store could try all 10^6 codes against a record.
   *
   * To rotate, pass `[current, ...previous]` (at most 4): codes are written under the first and
   * verify under any, so pending codes and the daily ceilings survive the change; drop the
   * previous key once a code's lifetime (`codeTtlMs`) and a day (the daily ceilings) have passed.
   * See docs/security.md "Rotating `codeSecret`".
   *
   * @example
   * ```ts
   * magicCodeRouter({ db, sendEmail, store: redisStore({ client }), codeSecret: process.env.MAGIC_CODE_SECRET })
   * // rotating: the new key first
   * magicCodeRouter({ db, sendEmail, store, codeSecret: [process.env.MAGIC_CODE_SECRET, process.env.MAGIC_CODE_SECRET_PREVIOUS] })
   * ```
   */
  codeSecret?: CodeSecret
  /**
   * HTML forms without JavaScript: a form post (`application/x-www-form-urlencoded`) that sent a
   * code is answered with a 303 to `sent?email=<address>` (default: `failure`'s page), a verified
   * code with a 303 to `success` (or the form's `next` field when it is a path of this site)
   * once the cookie is set, and a refusal with a 303 to `failure?error=<code>&email=<address>`.
   * Needs `cookie`. JSON requests are answered as before. See docs/cookies.md "Forms without
   * JavaScript".
   *
   * @example
   * ```ts
   * magicCodeRouter({ db, sendEmail, cookie, redirect: { sent: '/login/code', success: '/', failure: '/login' } })
   * ```
   */
  redirect?: MagicCodeRedirectOptions
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
  redirect: MAGIC_CODE_REDIRECT_OPTIONS,
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

/** The daily ceilings, per 24 h window. */
interface DailyLimits {
  sendsPerEmail: number
  attemptsPerEmail: number
  attemptsPerClient: number
}

/** {@link MagicCodeRouterOptions}, validated once: all the router reads. */
export interface MagicCodeConfig extends CommonSettings {
  sendEmail: MagicCodeRouterOptions['sendEmail']
  sendEmailTimeoutMs: number
  path: string
  verifyPath: string
  bodyLimit: number
  store: StateStore
  codeKeys: CodeKeys
  redirect: FormRedirect | undefined
  cookieSession: CookieSession | undefined
  tokenInBody: boolean
  codeTtlMs: number
  codeAttempts: number
  daily: DailyLimits
  /** The rate limiters, built once; `undefined` where turned off. */
  limiters: Record<
    | 'sendsPerIp'
    | 'resendCooldown'
    | 'sendsPerEmail'
    | 'verifyPerIp'
    | 'verifyPerEmail'
    | 'verifyPerClient',
    KitLimiter | undefined
  >
}

/** Checks every option of `magicCodeRouter` once. */
export function resolveMagicCodeOptions(options: unknown): MagicCodeConfig {
  const common = resolveCommonOptions(options, FACTORY, MAGIC_CODE_ROUTER_OPTIONS)
  const given = options as MagicCodeRouterOptions
  const { sendEmail, path = '/custom-send-magic-code', verifyPath = '/verify-magic-code' } = given
  if (typeof sendEmail !== 'function')
    throw optionError(
      FACTORY,
      'sendEmail',
      'be a function ({ email, code }) => Promise<void>',
      sendEmail,
    )
  assertPath(path, 'path', FACTORY)
  assertPath(verifyPath, 'verifyPath', FACTORY)
  if (path === verifyPath)
    throw optionError(
      FACTORY,
      'verifyPath',
      'differ from `path`',
      verifyPath,
      JSON.stringify(verifyPath),
    )
  const store = resolveStateStore(given.store, FACTORY)
  const cookieSession = resolveCookieSession(given, FACTORY)
  const { codeKeys, limiter } = resolveSecretAndLimits(given, store, common, FACTORY)
  return {
    ...common,
    sendEmail,
    sendEmailTimeoutMs: resolveTimeoutMs(given.sendEmailTimeoutMs, {
      factory: FACTORY,
      option: 'sendEmailTimeoutMs',
      default: DEFAULT_SEND_EMAIL_TIMEOUT_MS,
    }),
    path,
    verifyPath,
    bodyLimit: resolveBodyLimit(given.bodyLimit, FACTORY),
    store,
    codeKeys,
    cookieSession,
    redirect: resolveFormRedirect(given.redirect, cookieSession, FACTORY, true),
    tokenInBody: resolveTokenInBody(given.tokenInBody, cookieSession, FACTORY),
    codeTtlMs: resolvePositiveInt(given.codeTtlMs, {
      factory: FACTORY,
      option: 'codeTtlMs',
      default: DEFAULT_CODE_TTL_MS,
      max: DAILY_WINDOW_MS,
      unit: 'milliseconds',
    }),
    codeAttempts: resolvePositiveInt(given.codeAttempts, {
      factory: FACTORY,
      option: 'codeAttempts',
      default: DEFAULT_CODE_ATTEMPTS,
    }),
    daily: resolveDailyLimits(given.dailyLimits),
    limiters: {
      sendsPerIp: limiter('send-ip', 'sendsPerIp', SENDS_PER_IP, false),
      resendCooldown: limiter('send-cooldown', 'resendCooldown', RESEND_COOLDOWN, false),
      sendsPerEmail: limiter('send-email', 'sendsPerEmail', SENDS_PER_EMAIL, false),
      verifyPerIp: limiter('verify-ip', 'verifyFailuresPerIp', VERIFY_FAILURES_PER_IP, true),
      verifyPerEmail: limiter(
        'verify-email',
        'verifyFailuresPerEmail',
        VERIFY_FAILURES_PER_EMAIL,
        true,
      ),
      verifyPerClient: limiter(
        'verify-client',
        'verifyFailuresPerClient',
        VERIFY_FAILURES_PER_CLIENT,
        true,
      ),
    },
  }
}

/** Validates `dailyLimits` once; each ceiling is a positive integer. */
function resolveDailyLimits(value: unknown): DailyLimits {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw optionError(
      FACTORY,
      'dailyLimits',
      'be an object like { sendsPerEmail, attemptsPerEmail, attemptsPerClient }',
      value,
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
