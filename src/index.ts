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
export { requireInstantUser, optionalInstantUser, instantHandler } from './require-user/index.js'
export type {
  InstantUserOptions,
  InstantUserMiddleware,
  OptionalInstantRequest,
  InstantHandler,
  InstantRequest,
} from './require-user/index.js'
export { signInRouter, jwtAuthenticator } from './sign-in/index.js'
export type {
  SignInRouterOptions,
  SignInIdentity,
  SignInRequest,
  JwtAuthenticatorOptions,
  JwtAuthenticate,
} from './sign-in/index.js'
export { magicCodeRouter } from './magic-code/index.js'
export type {
  MagicCodeRouterOptions,
  MagicCodeEmail,
  CodeSecret,
  CodeSecretKey,
} from './magic-code/index.js'
export type { FormRedirectOptions, MagicCodeRedirectOptions } from './http/form-redirect.js'
export { signOutRouter } from './sign-out/index.js'
export type { SignOutRouterOptions } from './sign-out/index.js'
export { tokenMigrationRouter } from './migrate-token/index.js'
export type { TokenMigrationRouterOptions } from './migrate-token/index.js'
export { checkInstant } from './check-instant.js'
export type { CheckInstantOptions } from './check-instant.js'
export { instantErrorHandler } from './error-handler.js'
export { instantStats } from './instant/stats.js'
export type { InstantStats } from './instant/stats.js'
export type { ErrorMiddleware, InstantErrorHandlerOptions } from './error-handler.js'
export type { Middleware, Next, ResponseOptions } from './http/respond.js'
export type { CommonOptions } from './http/common-options.js'
export type {
  CookieOptions,
  CookieSetting,
  CookieSessionOptions,
  TokenIssuingOptions,
} from './http/cookie.js'
export type { LimiterOptions, LimiterSetting } from './http/rate-limits.js'

export { KitError, isKitError, KIT_ERROR_STATUS, setProblemTypeBase } from './errors/kit-error.js'
export type { KitErrorCode, KitErrorOptions, ProblemDetails } from './errors/kit-error.js'
export type { InstantContext, InstantScopedDb, Register } from './instant/instant-context.js'
export type { InstantAuthDb, InstantUser, InstantUserRecord } from './instant/instant-db.js'
export type { KitEvent, KitEventType, KitLogger, OnEvent } from './options/events.js'
export type { Logger } from './options/logger.js'
export type { VerifyCacheOptions } from './verification/verify-cache.js'
export { memoryStore } from './state-store.js'
export type { StateStore, MemoryStoreOptions } from './state-store.js'
