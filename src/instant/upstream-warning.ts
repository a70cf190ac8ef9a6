/**
 * The one warning an operator gets when Instant is unreachable, times out or answers garbage:
 * without it an outage (or `https://` against an `http` port) answers every auth route 503 and
 * leaves nothing in the log. Rate-limited per db, so an outage under load logs one line a
 * minute, not one per request; the line names the origin and the error code, never a secret.
 */
import type { KitLogger } from '../options/events.js'
import { instantOrigin } from './instant-origin.js'

/** At most one "Instant is unavailable" warning per db per this interval, in ms. */
export const UPSTREAM_WARNING_INTERVAL_MS = 60_000

interface WarningState {
  /** When the last warning was written (ms, `Date.now()` clock). */
  at: number
  /** Failures not logged since then. */
  suppressed: number
}

const states = new WeakMap<object, WarningState>()

/**
 * Logs `Instant at <origin> failed <operation> (<code>)` (without the origin when no db is
 * known, as in the error handler) unless this db (or, without one, this
 * logger) was warned about less than {@link UPSTREAM_WARNING_INTERVAL_MS} ago.
 */
export function warnUpstream(
  key: object,
  db: unknown,
  logger: KitLogger,
  operation: string,
  code: string,
  now: number = Date.now(),
): void {
  const state = states.get(key)
  if (state !== undefined && now - state.at < UPSTREAM_WARNING_INTERVAL_MS) {
    state.suppressed++
    return
  }
  const suppressed = state?.suppressed ?? 0
  states.set(key, { at: now, suppressed: 0 })
  const more =
    suppressed > 0
      ? ` ${suppressed} more failure${suppressed === 1 ? '' : 's'} since the last warning.`
      : ''
  logger.warn(
    `instant-express-auth: Instant${db === undefined ? '' : ` at ${instantOrigin(db)}`} failed ${operation} (${code}); answering 503 auth_unavailable. Check that Instant is running and that INSTANT_API_URI (scheme, host, port) points at it.${more}`,
  )
}
