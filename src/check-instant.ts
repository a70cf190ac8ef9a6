/**
 * `checkInstant(db)`: one call at startup that proves the app id, admin token and API URI work
 * together, so a typo shows up as a clear message before the first user gets a 401 or a 503.
 */
import { isAdminTokenRequired } from './errors/admin-token-required.js'
import { apiErrorShape, outageCode } from './instant/classify-error.js'
import { KitError } from './errors/kit-error.js'
import { checkOptionKeys } from './options/keys.js'
import { optionError } from './options/option-error.js'
import { probeCredentials } from './instant/app-id-probe.js'
import { DEFAULT_INSTANT_TIMEOUT_MS } from './instant/instant-timeout.js'
import { instantOrigin } from './instant/instant-origin.js'
import type { InstantAuthDb } from './instant/instant-db.js'
import { resolveTimeoutMs } from './options/numbers.js'
import { assertDb } from './http/common-options.js'

/** Options of {@link checkInstant}. */
export interface CheckInstantOptions {
  /** How long the check may take, in ms. Default `10_000`. */
  timeoutMs?: number
}

const SAME_APP =
  'Copy INSTANT_APP_ID and INSTANT_APP_ADMIN_TOKEN from the same app (the dashboard, or the line `npx instant-local` prints).'

/**
 * Resolves when `db` (this kit's client or `@instantdb/admin`) can reach Instant and Instant
 * accepts its app id and admin token; otherwise rejects with a `KitError` `instant_misconfigured`
 * whose message says which setting is wrong (`INSTANT_API_URI`, `INSTANT_APP_ID`,
 * `INSTANT_APP_ADMIN_TOKEN`) and how to fix it. The message never contains a token; the
 * original error is its `cause`. Makes one admin request (a user lookup by an unused id).
 *
 * @example
 * ```ts
 * const db = init({ appId, adminToken, apiURI })
 * await checkInstant(db) // throws at startup instead of answering every user 401 or 503
 * app.listen(3000)
 * ```
 */
export async function checkInstant(
  db: InstantAuthDb,
  options: CheckInstantOptions = {},
): Promise<void> {
  assertDb(db, 'checkInstant')
  if (typeof options !== 'object' || options === null)
    throw optionError('checkInstant', 'options', 'be an object { timeoutMs }', options)
  checkOptionKeys(options, { timeoutMs: true }, 'checkInstant')
  const timeoutMs = resolveTimeoutMs(options.timeoutMs, {
    factory: 'checkInstant',
    option: 'timeoutMs',
    default: DEFAULT_INSTANT_TIMEOUT_MS,
  })
  const origin = instantOrigin(db)
  // @instantdb/admin keeps its config public; without an admin token it refuses the lookup
  // with a plain Error that only its message tells apart, so look before calling.
  const config = (db as { config?: { adminToken?: unknown } }).config
  if (typeof config === 'object' && config !== null && !config.adminToken)
    throw misconfigured(noAdminToken(), undefined)
  let answer: unknown
  try {
    answer = await probeCredentials(db, timeoutMs)
  } catch (error) {
    throw misconfigured(explain(error, origin, timeoutMs), error)
  }
  // Instant answers `{ user: null }`; a server that answers 200 without it is something else.
  if (
    answer !== null &&
    (typeof answer !== 'object' || typeof (answer as { id?: unknown }).id !== 'string')
  ) {
    throw misconfigured(
      `${origin} answered, but not like Instant: check INSTANT_API_URI (it must point at your Instant server's API, e.g. https://api.instantdb.com).`,
      undefined,
    )
  }
}

function misconfigured(detail: string, cause: unknown): KitError {
  return new KitError('instant_misconfigured', {
    detail: `instant-express-auth: checkInstant: ${detail}`,
    cause,
  })
}

function noAdminToken(): string {
  return 'the client has no admin token: pass adminToken (INSTANT_APP_ADMIN_TOKEN) to init().'
}

/** Which setting is wrong, from what the lookup threw. */
function explain(error: unknown, origin: string, timeoutMs: number): string {
  const outage = outageCode(error)
  if (outage === 'INSTANT_TIMEOUT')
    return `Instant at ${origin} did not answer within ${timeoutMs} ms: check INSTANT_API_URI and that Instant is running there.`
  if (outage !== undefined) {
    const tls = /SSL|TLS|EPROTO/.test(outage)
    return `cannot reach Instant at ${origin} (${outage}): check INSTANT_API_URI${
      tls ? ' (an https:// URI pointing at a plain http port?)' : ''
    } and that Instant is running there.`
  }
  const api = apiErrorShape(error)
  if (api === undefined) {
    if (isAdminTokenRequired(error)) return noAdminToken()
    return `the client failed before reaching Instant (${error instanceof Error ? error.name : typeof error}): check the options passed to init().`
  }
  const { status, type, recordType, hintIn } = api
  if (status === 404 && type === undefined)
    return `${origin} answered 404: INSTANT_API_URI does not point at an Instant server.`
  if (recordType === 'app-admin-token')
    return `Instant at ${origin} does not accept the admin token for this app id: INSTANT_APP_ADMIN_TOKEN is wrong or revoked, or INSTANT_APP_ID names another app. ${SAME_APP}`
  if (recordType === 'app')
    return `Instant at ${origin} has no app with this id: check INSTANT_APP_ID. ${SAME_APP}`
  if ((type === 'param-malformed' || type === 'param-missing') && /app[-_]id/i.test(hintIn))
    return `Instant at ${origin} refused the app id as ${type === 'param-missing' ? 'missing' : 'malformed'}: INSTANT_APP_ID must be the app's UUID.`
  if ((type === 'param-malformed' || type === 'param-missing') && /authorization/i.test(hintIn))
    return `Instant at ${origin} refused the admin token as ${type === 'param-missing' ? 'missing' : 'malformed'}: INSTANT_APP_ADMIN_TOKEN must be the app's admin token (a UUID).`
  if (status === 429 || type === 'rate-limited')
    return `Instant at ${origin} rate-limited the check: try again shortly.`
  if (status >= 500)
    return `Instant at ${origin} answered ${status}${type ? ` ${type}` : ''}: it is reachable but failing; check the server's logs.`
  return `Instant at ${origin} refused the check (${status}${type ? ` ${type}` : ''}): check INSTANT_APP_ID, INSTANT_APP_ADMIN_TOKEN and INSTANT_API_URI.`
}
