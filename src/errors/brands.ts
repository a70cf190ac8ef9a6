/**
 * Every `Symbol.for` brand of the package, in one place. A brand is how a value made by one copy
 * of the package is recognised by another (an app with two copies installed, a bundle beside
 * `node_modules`), where `instanceof` fails: undici brands its errors the same way. The string
 * of a brand is a promise across versions, so it is written here once and never changed.
 */

/** `KitError` (errors/kit-error.ts). */
export const KIT_ERROR = Symbol.for('instant-express-auth.KitError')
/** The admin client's `InstantAPIError` (admin/errors.ts), read by instant/classify-error.ts. */
export const INSTANT_API_ERROR = Symbol.for('instant-express-auth.InstantAPIError')
/** The admin client's `InstantTransportError` (admin/errors.ts), read by instant/classify-error.ts. */
export const INSTANT_TRANSPORT_ERROR = Symbol.for('instant-express-auth.InstantTransportError')
/** The email providers' `EmailProviderError` (email/errors.ts), read by errors/email-failure.ts. */
export const EMAIL_PROVIDER_ERROR = Symbol.for('instant-express-auth.EmailProviderError')
/** A call to Instant that outlived `instantTimeoutMs` (instant/instant-timeout.ts). */
export const INSTANT_TIMEOUT_ERROR = Symbol.for('instant-express-auth.InstantTimeoutError')
/** A store made by `memoryStore()` (state-store.ts). */
export const MEMORY_STORE = Symbol.for('instant-express-auth.memoryStore')
/** An admin client that honours the kit's per-call timeouts (instant/instant-db.ts, admin/client.ts). */
export const HONOURS_CALL_TIMEOUTS = Symbol.for('instant-express-auth.honoursCallTimeouts')
