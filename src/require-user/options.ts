/**
 * The options of `requireInstantUser` and `optionalInstantUser`, and their one resolution into
 * the {@link InstantUserConfig} the middleware is built from.
 */
import {
  COOKIE_SESSION_OPTIONS,
  resolveCookieSession,
  type CookieSession,
  type CookieSessionOptions,
} from '../http/cookie.js'
import {
  COMMON_OPTIONS,
  resolveCommonOptions,
  type CommonOptions,
  type CommonSettings,
} from '../http/common-options.js'
import { resolveRedirectTo } from '../http/form-redirect.js'
import type { OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'
import { resolveStateStore, type StateStore } from '../state-store.js'
import {
  VERIFY_CACHE_OPTIONS,
  resolveCacheSetting,
  type VerifyCacheOptions,
} from '../verification/verify-cache.js'

/** Options of {@link requireInstantUser} and {@link optionalInstantUser}. */
export interface InstantUserOptions extends CommonOptions, CookieSessionOptions {
  /** Let guest users (`type: "guest"`) through. Default `false` (403 `guest_not_allowed`). */
  allowGuests?: boolean
  /** Verification cache (`{ ttlMs: 30_000, negativeTtlMs: 5_000, max: 10_000 }`), or `false` to ask Instant every time. */
  cache?: false | VerifyCacheOptions
  /**
   * A shared state store (`redisStore`): on a local cache miss the user is read from it before
   * asking Instant, and sign-outs on any instance evict here. Default: none (this process only).
   */
  store?: StateStore
  /**
   * `requireInstantUser` only: a page load (a `GET` navigation) without a valid session is sent
   * to this login page (303, `?next=<the page's path>`) instead of answered 401; API calls still
   * get their 401. A path of this site (`'/login'`) or an absolute http(s) URL.
   *
   * @example
   * ```ts
   * app.get('/notes', requireInstantUser({ db, cookie, redirectTo: '/login' }), showNotes)
   * ```
   */
  redirectTo?: string
}

/** Every key the two middlewares accept; anything else throws (see `checkOptionKeys`). */
const INSTANT_USER_OPTIONS = {
  ...COMMON_OPTIONS,
  ...COOKIE_SESSION_OPTIONS,
  allowGuests: true,
  cache: VERIFY_CACHE_OPTIONS,
  store: true,
  redirectTo: true,
} as const satisfies OptionKeys<InstantUserOptions>

/** {@link InstantUserOptions}, validated once: all the middleware reads. */
export interface InstantUserConfig extends CommonSettings {
  allowGuests: boolean
  cache: false | Required<VerifyCacheOptions>
  cookieSession: CookieSession | undefined
  store: StateStore | undefined
  redirectTo: string | undefined
}

/** Checks every option of `factory` (`requireInstantUser` or `optionalInstantUser`) once. */
export function resolveInstantUserOptions(options: unknown, factory: string): InstantUserConfig {
  const common = resolveCommonOptions(options, factory, INSTANT_USER_OPTIONS)
  const { allowGuests = false, cache, store, redirectTo } = options as InstantUserOptions
  if (typeof allowGuests !== 'boolean')
    throw optionError(factory, 'allowGuests', 'be a boolean (default false)', allowGuests)
  return {
    ...common,
    allowGuests,
    cache: resolveCacheSetting(cache, factory),
    cookieSession: resolveCookieSession(options as InstantUserOptions, factory),
    store: store === undefined ? undefined : resolveStateStore(store, factory),
    redirectTo: resolveInstantUserRedirect(redirectTo, factory),
  }
}

/** `redirectTo` belongs to `requireInstantUser`: an optional page renders signed out instead. */
function resolveInstantUserRedirect(value: unknown, factory: string): string | undefined {
  if (value !== undefined && factory !== 'requireInstantUser') {
    throw optionError(
      factory,
      'redirectTo',
      'be left out (it applies to requireInstantUser; an optional page renders signed out)',
      value,
    )
  }
  return resolveRedirectTo(value, factory)
}
