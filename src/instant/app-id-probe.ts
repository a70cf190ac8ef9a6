/**
 * Detecting a wrong app id behind `requireInstantUser`. Instant's `verify_refresh_token` needs no
 * admin token and answers "no such user" both for a bad token and for a token of another app,
 * so a wrong (but well-formed) app id turns every user into a 401 and says nothing. The first
 * time a db's verification answers "no such user", the kit makes one admin call (a user lookup
 * that needs the app id and admin token to agree) and, if Instant refuses the credentials, logs
 * the fix-it line once. The 401 itself is never changed: a real invalid token stays a 401.
 */
import { isAdminTokenRequired } from '../errors/admin-token-required.js'
import { classifyInstantError } from './classify-error.js'
import type { KitLogger, OnEvent } from '../options/events.js'
import type { InstantAuthDb } from './instant-db.js'
import { DEFAULT_INSTANT_TIMEOUT_MS, callInstant } from './instant-timeout.js'

/** A well-formed user id that no user has: the probe only asks whether the call is allowed. */
const PROBE_USER_ID = '00000000-0000-4000-8000-000000000000'

/**
 * One admin lookup of a user nobody has: resolves (to `null`) when Instant accepts `db`'s app id
 * and admin token together, rejects with what the client threw otherwise. Bounded and cancelled
 * at `timeoutMs` like every other call the kit makes. Also what `checkInstant` asks.
 */
export function probeCredentials(db: InstantAuthDb, timeoutMs: number): Promise<unknown> {
  return callInstant(db, 'getUser', timeoutMs, (call) =>
    db.auth.getUser({ id: PROBE_USER_ID }, call),
  )
}

/** Per db: the running check, or `'done'` once it has an answer. */
const probes = new WeakMap<object, Promise<void> | 'done'>()

/**
 * Starts the one-time credential check of `db` (if not started yet). Never throws, never
 * rejects; an outage during the check lets a later "no such user" try again.
 */
export function checkAppIdOnce(
  db: InstantAuthDb,
  logger: KitLogger,
  onEvent: OnEvent | undefined,
): void {
  if (probes.has(db)) return
  const check = probeCredentials(db, DEFAULT_INSTANT_TIMEOUT_MS).then(
    () => void probes.set(db, 'done'),
    (error: unknown) => {
      const { error: kitError, log } = classifyInstantError(error, 'getUser')
      if (kitError.code === 'auth_unavailable') {
        // Not an answer about the credentials: ask again on a later "no such user".
        probes.delete(db)
        return
      }
      probes.set(db, 'done')
      if (kitError.code !== 'instant_misconfigured' || log === undefined) return
      // No admin token: verification works without one, and there is nothing to check.
      if (isAdminTokenRequired(kitError.cause)) return
      logger.error(
        `${log} requireInstantUser answers every token 401 invalid_token until this is fixed: with a wrong app id Instant knows none of your users.`,
      )
      onEvent?.({ type: 'upstream_error', operation: 'checkAppId', code: 'instant_misconfigured' })
    },
  )
  probes.set(db, check)
}

/** The app-id check of `db` still running, if any (tests await it instead of sleeping). */
export function runningAppIdCheck(db: object): Promise<void> | undefined {
  const probe = probes.get(db)
  return probe === 'done' ? undefined : probe
}
