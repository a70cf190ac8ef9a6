/**
 * The options of `signInRouter`, and their one resolution into the {@link SignInConfig} the
 * router is built from.
 */
import type { IncomingMessage } from 'node:http'
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
import { resolveSecretAndLimits, type CodeSecret } from '../http/code-secret.js'
import {
  FORM_REDIRECT_OPTIONS,
  resolveFormRedirect,
  type FormRedirect,
  type FormRedirectOptions,
} from '../http/form-redirect.js'
import type { KitLimiter, LimiterSetting } from '../http/rate-limits.js'
import type { OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'
import { resolveStateStore, type StateStore } from '../state-store.js'

const FACTORY = 'signInRouter'

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
  /**
   * Key of the HMACs the rate-limit store holds instead of emails and IPs: a string or bytes, at
   * least 32 bytes (`openssl rand -base64 32`), or `[current, ...previous]` while rotating (see
   * `magicCodeRouter`'s `codeSecret`; the same value serves both). **Required with any `store`
   * but `memoryStore()`**, and when a `rateLimit` limiter names its own `store`, so that whoever
   * reads a shared store cannot test a list of emails against its keys; otherwise a random key
   * of this process.
   */
  codeSecret?: CodeSecret
  /**
   * HTML forms without JavaScript: a form post (`application/x-www-form-urlencoded`) is answered
   * with a 303 to `success` (or to the form's `next` field when it is a path of this site) once
   * the cookie is set, or to `failure?error=<code>` when refused. Needs `cookie`. JSON requests
   * are answered as before. See docs/cookies.md "Forms without JavaScript".
   *
   * @example
   * ```ts
   * signInRouter({ db, authenticate, cookie, redirect: { success: '/', failure: '/login' } })
   * ```
   */
  redirect?: FormRedirectOptions
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
  codeSecret: true,
  redirect: FORM_REDIRECT_OPTIONS,
} as const satisfies OptionKeys<SignInRouterOptions>

/** {@link SignInRouterOptions}, validated once: all the router reads. */
export interface SignInConfig extends CommonSettings {
  authenticate: SignInRouterOptions['authenticate']
  path: string
  allowSignUp: boolean
  bodyLimit: number
  cookieSession: CookieSession | undefined
  redirect: FormRedirect | undefined
  tokenInBody: boolean
  /** The failure limiters, built once; `undefined` where turned off. */
  limiters: Record<'perIp' | 'perClient' | 'perEmail', KitLimiter | undefined>
}

/** Checks every option of `signInRouter` once. */
export function resolveSignInOptions(options: unknown): SignInConfig {
  const common = resolveCommonOptions(options, FACTORY, SIGN_IN_ROUTER_OPTIONS)
  const given = options as SignInRouterOptions
  const { authenticate, path = '/sign-in', allowSignUp = true } = given
  if (typeof authenticate !== 'function') {
    throw optionError(
      FACTORY,
      'authenticate',
      'be a function (req) => ({ email } | { id } | null)',
      authenticate,
    )
  }
  assertPath(path, 'path', FACTORY)
  if (typeof allowSignUp !== 'boolean')
    throw optionError(FACTORY, 'allowSignUp', 'be a boolean (default true)', allowSignUp)
  const store = given.store === undefined ? undefined : resolveStateStore(given.store, FACTORY)
  const cookieSession = resolveCookieSession(given, FACTORY)
  const { limiter } = resolveSecretAndLimits(given, store, common, FACTORY)
  return {
    ...common,
    authenticate,
    path,
    allowSignUp,
    bodyLimit: resolveBodyLimit(given.bodyLimit, FACTORY),
    cookieSession,
    redirect: resolveFormRedirect(given.redirect, cookieSession, FACTORY),
    tokenInBody: resolveTokenInBody(given.tokenInBody, cookieSession, FACTORY),
    limiters: {
      perIp: limiter('sign-in-ip', 'failuresPerIp', SIGN_IN_FAILURES_PER_IP, true),
      perClient: limiter('sign-in-client', 'failuresPerClient', SIGN_IN_FAILURES_PER_CLIENT, true),
      perEmail: limiter('sign-in-email', 'failuresPerEmail', SIGN_IN_FAILURES_PER_EMAIL, true),
    },
  }
}
