/**
 * What every caller of `db.auth.*` does with a failure: classify it, log what an operator must
 * see, and report outages as `upstream_error` events. The caller's own mistakes (a bad token,
 * a wrong code, a refused sign-in, a malformed request) are not upstream failures.
 */
import { checkAppIdOnce } from './app-id-probe.js'
import { FIX_CONFIG, classifyInstantError, type InstantOperation } from './classify-error.js'
import { KitError, isKitError, type KitErrorCode } from '../errors/kit-error.js'
import type { KitLogger, OnEvent } from '../options/events.js'
import type { InstantAuthDb } from './instant-db.js'
import { warnUpstream } from './upstream-warning.js'

/** Where the report goes. */
interface UpstreamHooks {
  logger: KitLogger
  onEvent: OnEvent | undefined
  /**
   * The db that failed: names the origin in the outage warning, rate-limits it per db, and lets
   * a "no such user" from `verifyToken` trigger the one-time app-id check.
   */
  db?: InstantAuthDb
}

const CALLERS_FAULT: ReadonlySet<KitErrorCode> = new Set([
  'invalid_request',
  'invalid_token',
  'invalid_credentials',
  'invalid_code',
])

/**
 * The KitError to answer with for what `db.auth.<operation>` threw. A KitError passes through
 * unreported: whoever made it has already reported it.
 */
export function upstreamError(
  error: unknown,
  operation: InstantOperation,
  hooks: UpstreamHooks,
): KitError {
  if (isKitError(error)) return error
  const classified = classifyInstantError(error, operation)
  if (
    classified.error.code === 'auth_unavailable' &&
    classified.outage === undefined &&
    operation !== 'verifyToken' &&
    lacksAdminToken(hooks.db)
  ) {
    // @instantdb/admin refuses admin calls without a token by a plain Error that only its
    // message names; its public `config` says the same thing structurally.
    classified.error = new KitError('instant_misconfigured', { cause: error })
    classified.log = `instant-express-auth: the Instant client has no admin token (${operation}). ${FIX_CONFIG}`
  }
  const { error: kitError, log, outage } = classified
  if (outage !== undefined && log === undefined) {
    warnUpstream(hooks.db ?? hooks.logger, hooks.db, hooks.logger, operation, outage)
  } else if (log !== undefined) {
    if (kitError.code === 'instant_misconfigured' || kitError.code === 'internal_error')
      hooks.logger.error(log)
    else hooks.logger.warn(log)
  }
  if (operation === 'verifyToken' && kitError.code === 'invalid_token' && hooks.db !== undefined)
    checkAppIdOnce(hooks.db, hooks.logger, hooks.onEvent)
  if (!CALLERS_FAULT.has(kitError.code))
    hooks.onEvent?.({ type: 'upstream_error', operation, code: kitError.code })
  return kitError
}

/** `@instantdb/admin` keeps its options in a public `config`; ours never exposes the token. */
function lacksAdminToken(db: unknown): boolean {
  if (typeof db !== 'object' || db === null) return false
  const { config } = db as { config?: unknown }
  return (
    typeof config === 'object' &&
    config !== null &&
    'adminToken' in config &&
    !(config as { adminToken?: unknown }).adminToken
  )
}
