/**
 * The options of `signOutRouter`, and their one resolution into the {@link SignOutConfig} the
 * router is built from.
 */
import {
  COOKIE_SESSION_OPTIONS,
  resolveCookieSession,
  type CookieSession,
  type CookieSessionOptions,
} from '../http/cookie.js'
import {
  COMMON_OPTIONS,
  assertPath,
  resolveCommonOptions,
  type CommonOptions,
  type CommonSettings,
} from '../http/common-options.js'
import {
  FORM_REDIRECT_OPTIONS,
  resolveFormRedirect,
  type FormRedirect,
  type FormRedirectOptions,
} from '../http/form-redirect.js'
import type { OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'
import { resolveStateStore, type StateStore } from '../state-store.js'
import {
  VERIFY_CACHE_OPTIONS,
  resolveCacheSetting,
  type VerifyCacheOptions,
} from '../verification/verify-cache.js'

const FACTORY = 'signOutRouter'

/**
 * Options of {@link signOutRouter}. Pass the same `db` object your `requireInstantUser` uses:
 * eviction reaches the caches of that object.
 */
export interface SignOutRouterOptions extends CommonOptions, CookieSessionOptions {
  /** Route path. Default `'/sign-out'`. */
  path?: string
  /** `'session'` (default) revokes this token; `'all'` revokes every token of the user. */
  scope?: 'session' | 'all'
  /**
   * For `scope: 'all'`: the cache that records the (always fresh) verification of the token;
   * same meaning as in `requireInstantUser`.
   */
  cache?: false | VerifyCacheOptions
  /**
   * A shared state store (`redisStore`): the sign-out is published, so every instance evicts the
   * token (or, for `scope: 'all'`, the user) from its cache at once. Default: this process only.
   */
  store?: StateStore
  /**
   * HTML forms without JavaScript: a form post (`application/x-www-form-urlencoded`) is answered
   * with a 303 to `success` (or the form's `next` field when it is a path of this site) once the
   * token is revoked and the cookie cleared, also when there was no session left to end; an
   * outage goes to `failure?error=<code>`. Needs `cookie`. See docs/cookies.md.
   *
   * @example
   * ```ts
   * signOutRouter({ db, cookie, redirect: { success: '/login', failure: '/' } })
   * ```
   */
  redirect?: FormRedirectOptions
}

/** Every key {@link signOutRouter} accepts; anything else throws (see `checkOptionKeys`). */
const SIGN_OUT_ROUTER_OPTIONS = {
  ...COMMON_OPTIONS,
  ...COOKIE_SESSION_OPTIONS,
  path: true,
  scope: true,
  cache: VERIFY_CACHE_OPTIONS,
  store: true,
  redirect: FORM_REDIRECT_OPTIONS,
} as const satisfies OptionKeys<SignOutRouterOptions>

/** {@link SignOutRouterOptions}, validated once: all the router reads. */
export interface SignOutConfig extends CommonSettings {
  path: string
  scope: 'session' | 'all'
  cache: false | Required<VerifyCacheOptions>
  cookieSession: CookieSession | undefined
  redirect: FormRedirect | undefined
  store: StateStore | undefined
}

/** Checks every option of `signOutRouter` once. */
export function resolveSignOutOptions(options: unknown): SignOutConfig {
  const common = resolveCommonOptions(options, FACTORY, SIGN_OUT_ROUTER_OPTIONS)
  const given = options as SignOutRouterOptions
  const { path = '/sign-out', scope = 'session' } = given
  assertPath(path, 'path', FACTORY)
  if (scope !== 'session' && scope !== 'all')
    throw optionError(FACTORY, 'scope', "be 'session' (default) or 'all'", scope)
  const cookieSession = resolveCookieSession(given, FACTORY)
  return {
    ...common,
    path,
    scope,
    cache: resolveCacheSetting(given.cache, FACTORY),
    cookieSession,
    redirect: resolveFormRedirect(given.redirect, cookieSession, FACTORY),
    store: given.store === undefined ? undefined : resolveStateStore(given.store, FACTORY),
  }
}
