/**
 * instant-express-auth: InstantDB auth for Express 4/5 and Connect.
 *
 * @example
 * ```ts
 * import { instantHandler, magicCodeRouter, requireInstantUser, signOutRouter } from 'instant-express-auth'
 * app.use(magicCodeRouter({ db, sendEmail }))
 * app.use(signOutRouter({ db }))
 * app.get('/me', requireInstantUser({ db }), instantHandler((req, res) => res.json(req.instant.user)))
 * ```
 */
export { requireInstantUser, optionalInstantUser } from './require-user.js'
export type {
  InstantUserOptions,
  InstantUserMiddleware,
  OptionalInstantRequest,
} from './require-user.js'
export { instantHandler } from './instant-handler.js'
export type { InstantHandler, InstantRequest } from './instant-handler.js'
export { signInRouter } from './sign-in-router.js'
export type { SignInRouterOptions, SignInIdentity, SignInRequest } from './sign-in-router.js'
export { magicCodeRouter } from './magic-code-router.js'
export type { MagicCodeRouterOptions, MagicCodeEmail } from './magic-code-router.js'
export type { CodeSecret } from '../core/code-secret.js'
export { signOutRouter } from './sign-out-router.js'
export type { SignOutRouterOptions } from './sign-out-router.js'
export { checkInstant } from './check-instant.js'
export type { CheckInstantOptions } from './check-instant.js'
export { instantErrorHandler } from './error-handler.js'
export { instantStats } from '../core/stats.js'
export type { InstantStats } from '../core/stats.js'
export type { ErrorMiddleware, InstantErrorHandlerOptions } from './error-handler.js'
export type { Middleware, Next, ResponseOptions } from './respond.js'
export type { CommonOptions } from './options.js'
export { DEFAULT_COOKIE_MAX_AGE_MS } from './cookie.js'
export type {
  CookieOptions,
  CookieSetting,
  CookieSessionOptions,
  TokenIssuingOptions,
} from './cookie.js'
export type { LimiterOptions, LimiterSetting } from './rate-limits.js'
export { jwtAuthenticator } from '../identity/index.js'
export type { JwtAuthenticatorOptions, JwtAuthenticate } from '../identity/index.js'

export {
  KitError,
  isKitError,
  KIT_ERROR_STATUS,
  DEFAULT_PROBLEM_TYPE_BASE,
  setProblemTypeBase,
} from '../core/errors.js'
export type { KitErrorCode, KitErrorOptions, ProblemDetails } from '../core/errors.js'
export type { InstantContext, InstantScopedDb, Register } from '../core/instant-context.js'
export type { InstantAuthDb, InstantUser, InstantUserRecord } from '../core/instant-db.js'
export type { KitEvent, KitEventType, KitLogger, OnEvent } from '../core/events.js'
export type { Logger } from '../core/logger.js'
export type { VerifyCacheOptions } from '../core/verify-cache.js'
export {
  DEFAULT_CACHE_TTL_MS,
  DEFAULT_NEGATIVE_CACHE_TTL_MS,
  DEFAULT_CACHE_MAX,
  DEFAULT_NEGATIVE_CACHE_MAX,
} from '../core/verify-cache.js'
export { memoryStore } from '../core/state-store.js'
export type { StateStore, MemoryStoreOptions } from '../core/state-store.js'
