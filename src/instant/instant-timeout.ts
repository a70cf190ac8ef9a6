/**
 * An upper bound on every call the kit makes to Instant. Our admin client has its own transport
 * timeouts, but `@instantdb/admin` has none: without this, a hung Instant would hang every
 * request that needs it. A call past the bound is an outage (503), never a 401.
 */
import { INSTANT_TIMEOUT_ERROR } from '../errors/brands.js'
import { honoursCallTimeouts, type InstantCallOptions } from './instant-db.js'
import { resolveTimeoutMs } from '../options/numbers.js'

/** How long one call to Instant may take before the kit answers 503, in ms. */
export const DEFAULT_INSTANT_TIMEOUT_MS = 10_000
/**
 * How many calls to Instant, per `db`, may still be running after the kit gave up on them before
 * new calls fail at once (503) instead of starting. Our client cancels a timed-out call, so its
 * count drops at once; `@instantdb/admin` takes no signal, so its late calls (one socket each)
 * run on, and this bound is what stops a trickling upstream from piling them up.
 */
export const MAX_ABANDONED_INSTANT_CALLS = 100

/** The option every factory takes to bound its calls to Instant. */
export interface InstantTimeoutOptions {
  /**
   * Upper bound on each call to Instant, in ms (default `10_000`); past it the request gets
   * 503 `auth_unavailable`. Matters most with `@instantdb/admin`, which has no timeout.
   */
  instantTimeoutMs?: number
}

/** Validates `instantTimeoutMs` once, at factory time; `factory` names the caller in the error. */
export function resolveInstantTimeout(value: unknown, factory: string): number {
  return resolveTimeoutMs(value, {
    factory,
    option: 'instantTimeoutMs',
    default: DEFAULT_INSTANT_TIMEOUT_MS,
  })
}

/**
 * The kit's own deadline on a call to Instant passed. Branded (not dressed up as the admin
 * client's transport error), so {@link isInstantTimeoutError} recognises it across copies of
 * the package; `code` is the same `INSTANT_TIMEOUT` the admin client uses for its own timeouts.
 */
export class InstantTimeoutError extends Error {
  override readonly name = 'InstantTimeoutError'
  readonly code = 'INSTANT_TIMEOUT'
  constructor(operation: string, timeoutMs: number, message?: string) {
    super(message ?? `Instant did not answer ${operation} within ${timeoutMs} ms`)
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

/** Calls that timed out but have not settled yet, per `db`. */
const abandonedCalls = new WeakMap<object, { count: number }>()

/**
 * Starts a call to Instant, bounded (past `timeoutMs` it rejects as an outage) in the cheapest
 * way the client allows. Ours ({@link honoursCallTimeouts}) gets `{ timeoutMs }` and cancels the request
 * itself at the deadline (`INSTANT_TIMEOUT`). Any other client gets `{ signal }`, aborted at the
 * deadline by a timer here; a call that ignores the signal and runs on counts against
 * {@link MAX_ABANDONED_INSTANT_CALLS} for `db` until it settles, and past that bound new calls
 * fail at once without starting.
 */
export function callInstant<T>(
  db: object,
  operation: string,
  timeoutMs: number,
  start: (call: InstantCallOptions) => T | Promise<T>,
): Promise<T> {
  if (honoursCallTimeouts(db)) {
    try {
      return Promise.resolve(start({ timeoutMs }))
    } catch (error) {
      // A client that throws synchronously still ends in a classified answer.
      return Promise.reject(error)
    }
  }
  let abandoned = abandonedCalls.get(db)
  if (abandoned === undefined) {
    abandoned = { count: 0 }
    abandonedCalls.set(db, abandoned)
  }
  const tally = abandoned
  if (tally.count >= MAX_ABANDONED_INSTANT_CALLS) {
    return Promise.reject(
      new InstantTimeoutError(
        operation,
        timeoutMs,
        `Instant did not answer ${operation}: ${tally.count} earlier calls are still running`,
      ),
    )
  }
  const controller = new AbortController()
  return new Promise<T>((resolve, reject) => {
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      tally.count++
      reject(new InstantTimeoutError(operation, timeoutMs))
      controller.abort(new InstantTimeoutError(operation, timeoutMs))
    }, timeoutMs)
    const settle = (): boolean => {
      if (timedOut) {
        tally.count--
        return false
      }
      clearTimeout(timer)
      return true
    }
    let call: Promise<T>
    try {
      call = Promise.resolve(start({ signal: controller.signal }))
    } catch (error) {
      // A client that throws synchronously still ends in a classified answer.
      call = Promise.reject(error)
    }
    call.then(
      (value) => {
        if (settle()) resolve(value)
      },
      (error: unknown) => {
        if (settle()) reject(error)
      },
    )
  })
}
