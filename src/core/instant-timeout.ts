/**
 * An upper bound on every call the kit makes to Instant. Our admin client has its own transport
 * timeouts, but `@instantdb/admin` has none: without this, a hung Instant would hang every
 * request that needs it. A call past the bound is an outage (503), never a 401.
 */
import { resolveTimeoutMs, withTimeout } from './timeout.js'

/** How long one call to Instant may take before the kit answers 503, in ms. */
export const DEFAULT_INSTANT_TIMEOUT_MS = 10_000

/** The option every factory takes to bound its calls to Instant. */
export interface InstantTimeoutOptions {
  /**
   * Upper bound on each call to Instant, in ms (default `10_000`); past it the request gets
   * 503 `auth_unavailable`. Matters most with `@instantdb/admin`, which has no timeout.
   */
  instantTimeoutMs?: number
}

/** Validates `instantTimeoutMs` once, at factory time. */
export function resolveInstantTimeout(value: unknown): number {
  return resolveTimeoutMs(value, 'instantTimeoutMs', DEFAULT_INSTANT_TIMEOUT_MS)
}

const INSTANT_TIMEOUT_ERROR = Symbol.for('instant-express-auth.InstantTimeoutError')

/**
 * The kit's own deadline on a call to Instant passed. Branded (not dressed up as the admin
 * client's transport error), so {@link isInstantTimeoutError} recognises it across copies of
 * the package; `code` is the same `INSTANT_TIMEOUT` the admin client uses for its own timeouts.
 */
export class InstantTimeoutError extends Error {
  override readonly name = 'InstantTimeoutError'
  readonly code = 'INSTANT_TIMEOUT'
  constructor(operation: string, timeoutMs: number) {
    super(`Instant did not answer ${operation} within ${timeoutMs} ms`)
    Object.defineProperty(this, INSTANT_TIMEOUT_ERROR, { value: true })
  }
}

/** True for an {@link InstantTimeoutError} from any copy of this package. */
export function isInstantTimeoutError(value: unknown): value is InstantTimeoutError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[INSTANT_TIMEOUT_ERROR] === true
  )
}

/** Settles like `call`, or rejects with a timeout error (an outage) after `timeoutMs`. */
export function withInstantTimeout<T>(
  call: T | Promise<T>,
  timeoutMs: number,
  operation: string,
): Promise<T> {
  return withTimeout(call, timeoutMs, () => new InstantTimeoutError(operation, timeoutMs))
}
