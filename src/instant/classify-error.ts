/**
 * Turns whatever an Instant admin client threw into the kit's error. Errors are recognised by
 * brand (`Symbol.for`, across copies of the package), by stable `code` (ours, undici's, Node's
 * network errors) or by the structure Instant's answers have (`status`, `body.type`, `hint`),
 * never by message text or a class name spelled as a string, so both our client and
 * `@instantdb/admin` work. Outages are never reported as 401: an Instant outage must not log
 * everyone out.
 */
import {
  INSTANT_API_ERROR as API_ERROR_BRAND,
  INSTANT_TRANSPORT_ERROR as TRANSPORT_ERROR_BRAND,
} from '../errors/brands.js'
import { KitError, isKitError } from '../errors/kit-error.js'
import { isAdminTokenRequired } from '../errors/admin-token-required.js'
import { isInstantTimeoutError } from './instant-timeout.js'
import { invalidTokenError } from '../errors/token-errors.js'

/** Sent with 503 `auth_unavailable`: a short retry hint, in seconds. */
export const UNAVAILABLE_RETRY_AFTER_S = 5
/** Sent with 429 `rate_limited` when Instant limited us and gave no hint, in seconds. */
const UPSTREAM_RATE_LIMIT_RETRY_AFTER_S = 60

/** What the kit was doing when Instant failed; decides what a 400 from Instant means. */
export type InstantOperation =
  'verifyToken' | 'createToken' | 'getUser' | 'generateMagicCode' | 'checkMagicCode' | 'signOut'

/** The result: the error to answer with and, for operators, a log line without secrets. */
export interface Classified {
  error: KitError
  /** Set when an operator must act (misconfiguration) or when Instant said something unexpected. */
  log?: string
  /**
   * For outages: a short, secret-free description of what failed (an error code or an HTTP
   * status), for the rate-limited "Instant is unreachable" warning.
   */
  outage?: string
}

/** The fields of an Instant API error the classifiers read. */
interface ApiErrorShape {
  status: number
  type: string | undefined
  recordType: string | undefined
  hintIn: string
}

export const FIX_CONFIG =
  'Check INSTANT_APP_ID, INSTANT_APP_ADMIN_TOKEN and INSTANT_API_URI: the admin token must belong to the app id, and the API URI must point at your Instant server.'

/** Classifies an error thrown by `db.auth.*` during `operation`. */
export function classifyInstantError(error: unknown, operation: InstantOperation): Classified {
  return (
    classifyKnownError(error, operation, (api) => authRefusal(error, api, operation)) ?? {
      // Anything else from the client (a bug, an odd runtime error) is not the user's fault: 503.
      error: unavailable(error),
      log: `instant-express-auth: unexpected ${errorName(error)} from db.auth.${operation}; answering 503 auth_unavailable.`,
    }
  )
}

/**
 * The mapping every caller shares: kit errors pass through; Instant's answers, outages and a
 * client without an admin token become the kit's error. `what` names the call in log lines
 * (`verifyToken`, `a query or transaction`); `refusal` reads the 4xx answers whose meaning
 * depends on the call, after the ones that mean the same everywhere (misconfiguration, rate
 * limits). `undefined` when the error is none of these: the caller decides.
 */
export function classifyKnownError(
  error: unknown,
  what: string,
  refusal: (api: ApiErrorShape) => Classified | undefined,
  unavailableDetail?: string,
): Classified | undefined {
  if (isKitError(error)) return { error }
  const api = apiErrorShape(error)
  if (api !== undefined) {
    const { status, type } = api
    return (
      sharedAnswer(error, api, what, unavailableDetail) ??
      refusal(api) ?? {
        error: unavailable(error, unavailableDetail),
        log: `instant-express-auth: Instant answered ${status} ${type ?? '(no type)'} to ${what}; answering 503 auth_unavailable.`,
        outage: `HTTP ${status} ${type ?? '(no type)'}`,
      }
    )
  }
  const outage = outageCode(error)
  if (outage !== undefined) return { error: unavailable(error, unavailableDetail), outage }
  if (isAdminTokenRequired(error))
    return misconfigured(error, `the Instant client has no admin token (${what}).`)
  return undefined
}

/** Answers that mean the same whatever the call: rate limits, outages, wrong credentials. */
function sharedAnswer(
  error: unknown,
  api: ApiErrorShape,
  what: string,
  unavailableDetail: string | undefined,
): Classified | undefined {
  const { status, type, recordType } = api
  if (status === 429 || type === 'rate-limited') {
    return {
      error: new KitError('rate_limited', {
        cause: error,
        headers: { 'Retry-After': String(UPSTREAM_RATE_LIMIT_RETRY_AFTER_S) },
      }),
    }
  }
  if (status >= 500 || type === 'timeout' || type === 'operation-timed-out') {
    return {
      error: unavailable(error, unavailableDetail),
      outage: `HTTP ${status}${type ? ` ${type}` : ''}`,
    }
  }
  if (status === 404 && type === undefined) {
    return misconfigured(
      error,
      `Instant answered 404 to ${what}: the API URI does not point at an Instant server.`,
    )
  }
  if (recordType === 'app-admin-token' || recordType === 'app') {
    return misconfigured(
      error,
      `Instant rejected the app credentials (record-not-found: ${recordType}).`,
    )
  }
  if (
    (type === 'param-missing' || type === 'param-malformed') &&
    /app[-_]id|authorization/i.test(api.hintIn)
  ) {
    return misconfigured(
      error,
      `Instant rejected the request parameters (${type}: app id or admin token).`,
    )
  }
  // Instant refuses a rule's check with 400 `permission-denied`, and bad admin credentials with
  // 400 too; a 401 or 403 comes from a dashboard token in the admin token's place or from a
  // proxy's authentication in front of Instant: a setting to fix, never the user's fault.
  if (status === 401 || status === 403) {
    return misconfigured(error, `Instant answered ${status} to ${what}.`)
  }
  return undefined
}

/** What the 4xx answers left after {@link sharedAnswer} mean for an auth call. */
function authRefusal(
  error: unknown,
  api: ApiErrorShape,
  operation: InstantOperation,
): Classified | undefined {
  const { type } = api
  switch (operation) {
    case 'verifyToken':
      if (
        type === 'record-not-found' ||
        type === 'param-malformed' ||
        type === 'param-missing' ||
        type === 'record-expired'
      ) {
        return { error: invalidTokenError(error) }
      }
      break
    case 'checkMagicCode':
      if (type === 'record-not-found' || type === 'record-expired') {
        return { error: new KitError('invalid_code', { cause: error }) }
      }
      if (type === 'param-malformed' || type === 'validation-failed') {
        return { error: new KitError('invalid_request', { cause: error }) }
      }
      break
    case 'generateMagicCode':
    case 'getUser':
      if (type === 'param-malformed' || type === 'validation-failed') {
        return { error: new KitError('invalid_request', { cause: error }) }
      }
      break
    case 'createToken':
      if (type === 'signups-closed' || type === 'permission-denied') {
        return { error: new KitError('invalid_credentials', { cause: error }) }
      }
      // Instant refused the `{ email }` or `{ id }` that `authenticate` returned: an app bug,
      // not an outage, and not the caller's fault either.
      if (
        type === 'param-malformed' ||
        type === 'validation-failed' ||
        type === 'record-not-found'
      ) {
        return {
          error: new KitError('internal_error', { cause: error }),
          log: `instant-express-auth: Instant refused the identity authenticate() returned (${type}); return { email } with a valid address or { id } with a user's UUID.`,
        }
      }
      break
    case 'signOut':
      if (type === 'record-not-found' || type === 'param-malformed') {
        return { error: invalidTokenError(error) }
      }
      break
  }
  return undefined
}

function unavailable(cause: unknown, detail?: string): KitError {
  return new KitError('auth_unavailable', {
    cause,
    ...(detail === undefined ? {} : { detail }),
    headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) },
  })
}

function misconfigured(cause: unknown, what: string): Classified {
  return {
    error: new KitError('instant_misconfigured', { cause }),
    log: `instant-express-auth: ${what} ${FIX_CONFIG}`,
  }
}

/** Reads the fields of an Instant API error: ours by brand, the SDK's by its structure. */
export function apiErrorShape(error: unknown): ApiErrorShape | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { status, body } = error as { status?: unknown; body?: unknown }
  const branded = (error as Record<symbol, unknown>)[API_ERROR_BRAND] === true
  // The SDK's InstantAPIError: an Error with the HTTP status and the parsed body Instant sent.
  const shaped =
    error instanceof Error &&
    typeof status === 'number' &&
    Number.isInteger(status) &&
    status >= 400 &&
    status <= 599 &&
    'body' in error
  if (!branded && !shaped) return undefined
  if (typeof status !== 'number') return undefined
  let type: string | undefined
  let recordType: string | undefined
  let hintIn = ''
  if (typeof body === 'object' && body !== null) {
    const { type: bodyType, hint } = body as { type?: unknown; hint?: unknown }
    if (typeof bodyType === 'string') type = bodyType
    if (typeof hint === 'object' && hint !== null) {
      const h = hint as Record<string, unknown>
      if (typeof h['record-type'] === 'string') recordType = h['record-type']
      if (Array.isArray(h['in'])) hintIn = h['in'].filter((p) => typeof p === 'string').join(' ')
    }
  }
  return { status, type, recordType, hintIn }
}

/** Stable codes of this kit's admin client for "no usable answer". */
const INSTANT_TRANSPORT_CODES: ReadonlySet<string> = new Set([
  'INSTANT_UNREACHABLE',
  'INSTANT_TIMEOUT',
  'INSTANT_BAD_RESPONSE',
  'INSTANT_ABORTED',
])

/** Node's network error codes (errno names) that mean "Instant could not be reached". */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EPROTO',
])

/** Codes of whole families: undici's errors and TLS failures (e.g. https:// to an http port). */
function isNetworkCode(code: string): boolean {
  return (
    NETWORK_CODES.has(code) ||
    code.startsWith('UND_ERR_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_')
  )
}

/**
 * A secret-free code naming the outage, or `undefined` when `error` is not one: our transport
 * errors and timeouts, fetch's failures (the SDK), a body that is not JSON, aborts.
 */
export function outageCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  if (isInstantTimeoutError(error)) return 'INSTANT_TIMEOUT'
  const code = errorCode(error)
  const branded = (error as Record<symbol, unknown>)[TRANSPORT_ERROR_BRAND] === true
  if (branded || (code !== undefined && INSTANT_TRANSPORT_CODES.has(code))) {
    const underlying = networkCodeIn((error as { cause?: unknown }).cause, 0)
    return underlying === undefined ? (code ?? 'INSTANT_UNREACHABLE') : `${code}: ${underlying}`
  }
  if (code !== undefined && isNetworkCode(code)) return code
  // JSON.parse on a proxy's HTML page (the SDK parses answers itself).
  if (error instanceof SyntaxError) return 'INVALID_JSON'
  // DOMException names are the standard way to tell its kinds apart.
  const { name } = error as { name?: unknown }
  if (name === 'AbortError' || name === 'TimeoutError') return name
  // fetch (the SDK) rejects with a TypeError whose cause carries the network code.
  if (error instanceof TypeError) return networkCodeIn(error.cause, 0)
  return undefined
}

function networkCodeIn(error: unknown, depth: number): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined
  const code = errorCode(error)
  if (code !== undefined && isNetworkCode(code)) return code
  const { cause, errors } = error as { cause?: unknown; errors?: unknown }
  if (Array.isArray(errors) && errors.length > 0) {
    const inner = networkCodeIn(errors[0], depth + 1)
    if (inner !== undefined) return inner
  }
  return networkCodeIn(cause, depth + 1)
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code } = error as { code?: unknown }
  return typeof code === 'string' ? code : undefined
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name
  return typeof error
}
