/**
 * The `onEvent` hook and the `logger` option. Events carry no token, code or full email:
 * emails appear as their domain only, users by id.
 */
import type { KitErrorCode } from '../errors/kit-error.js'
import type { Logger } from './logger.js'
import { optionError } from './option-error.js'

/** Something the kit did, for logs and metrics. */
export type KitEvent =
  | { type: 'cache_hit'; outcome: 'valid' | 'invalid' }
  | { type: 'cache_miss' }
  | { type: 'verified'; userId: string; guest: boolean; durationMs: number }
  | { type: 'token_rejected'; code: KitErrorCode }
  | { type: 'upstream_error'; operation: string; code: KitErrorCode }
  | { type: 'rate_limited'; limiter: string; emailDomain?: string }
  | { type: 'code_sent'; emailDomain: string }
  | { type: 'code_verified'; userId: string; created: boolean }
  | { type: 'code_rejected'; emailDomain: string }
  | {
      type: 'email_failed'
      emailDomain: string
      /** The provider error's stable code (e.g. `EMAIL_UNAUTHORIZED`), when it had a safe one. */
      code?: string
      /** `true` when the provider refused the configuration (answered 500 `email_misconfigured`). */
      permanent: boolean
    }
  | { type: 'signed_in'; method: 'email' | 'id' }
  | { type: 'sign_in_refused'; reason: 'refused' | 'unknown_user' }
  | { type: 'signed_out'; scope: 'session' | 'all' }

export type KitEventType = KitEvent['type']

/** Receives events; must not throw (a throw is caught and logged as a warning). */
export type OnEvent = (event: KitEvent) => void

/** Where the kit writes operator-facing lines (misconfiguration, outages, provider failures). */
export type KitLogger = Pick<Logger, 'warn' | 'error'>

/** The default logger: `console`. */
const consoleLogger: KitLogger = {
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
}

/** Validates `logger` once (TypeError naming the factory and the option). */
export function resolveLogger(logger: unknown, factory: string): KitLogger {
  if (logger === undefined) return consoleLogger
  if (
    typeof logger !== 'object' ||
    logger === null ||
    typeof (logger as KitLogger).warn !== 'function' ||
    typeof (logger as KitLogger).error !== 'function'
  ) {
    throw optionError(
      factory,
      'logger',
      'be an object with `warn(message)` and `error(message)` (e.g. console or pino)',
      logger,
    )
  }
  return logger as KitLogger
}

/** Validates `onEvent` once and returns a safe emitter, or `undefined` when there is no hook. */
export function resolveOnEvent(
  onEvent: unknown,
  logger: KitLogger,
  factory: string,
): OnEvent | undefined {
  if (onEvent === undefined) return undefined
  if (typeof onEvent !== 'function')
    throw optionError(factory, 'onEvent', 'be a function (event) => void', onEvent)
  const hook = onEvent as OnEvent
  return function emitKitEvent(event) {
    try {
      hook(event)
    } catch (error) {
      logger.warn(
        `instant-express-auth: onEvent threw ${error instanceof Error ? error.name : typeof error} for a ${event.type} event; ignored.`,
      )
    }
  }
}
