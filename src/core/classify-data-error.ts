/**
 * What an error thrown by a handler's `req.instant.db.query` / `transact` (or any Instant admin
 * client call) means for the response: a rule's refusal is 403, a malformed query 400, an
 * outage 503, never Express's HTML page with a stack. Recognised like `classify-error.ts`: by
 * brand, code or the structure of Instant's answers, for both our client and `@instantdb/admin`.
 */
import {
  ADMIN_TOKEN_REQUIRED_CODE,
  FIX_CONFIG,
  UNAVAILABLE_RETRY_AFTER_S,
  UPSTREAM_RATE_LIMIT_RETRY_AFTER_S,
  apiErrorShape,
  outageCode,
} from './classify-error.js'
import { KitError, isKitError } from './errors.js'
import { invalidTokenError } from './token-source.js'

/** The answer for a data error, and what an operator should see. */
export interface ClassifiedDataError {
  error: KitError
  /** A secret-free line for the log when an operator must act or Instant said something odd. */
  log?: string
  /** For outages: the code for the rate-limited "Instant is unavailable" warning. */
  outage?: string
}

/** Instant's 400 types that mean "this query or transaction is malformed". */
const INVALID_QUERY_TYPES: ReadonlySet<string> = new Set([
  'validation-failed',
  'param-malformed',
  'param-missing',
  'record-not-found',
  'record-not-unique',
  'record-foreign-key-invalid',
  'record-check-violation',
  'parameter-limit-exceeded',
  'sql-raise',
])

/** Instant's 400 types that mean "a permission rule refused it" (an erroring rule refuses too). */
const PERMISSION_TYPES: ReadonlySet<string> = new Set([
  'permission-denied',
  'permission-evaluation-failed',
])

const DATA_UNAVAILABLE = 'The database is unavailable; try again shortly.'

/**
 * Classifies a data error; `undefined` when it is neither Instant's nor the kit's (the caller
 * decides what an unknown error becomes).
 */
export function classifyDataError(error: unknown): ClassifiedDataError | undefined {
  if (isKitError(error)) return { error }
  const api = apiErrorShape(error)
  if (api !== undefined) {
    const { status, type, recordType, hintIn } = api
    if (status === 429 || type === 'rate-limited') {
      return {
        error: new KitError('rate_limited', {
          cause: error,
          headers: { 'Retry-After': String(UPSTREAM_RATE_LIMIT_RETRY_AFTER_S) },
        }),
      }
    }
    if (status >= 500 || type === 'timeout' || type === 'operation-timed-out')
      return { error: unavailable(error), outage: `HTTP ${status}${type ? ` ${type}` : ''}` }
    if (
      (status === 404 && type === undefined) ||
      recordType === 'app-admin-token' ||
      recordType === 'app' ||
      ((type === 'param-missing' || type === 'param-malformed') &&
        /app[-_]id|authorization/i.test(hintIn))
    ) {
      return {
        error: new KitError('instant_misconfigured', { cause: error }),
        log: `instant-express-auth: Instant refused a query or transaction with the app's credentials (${status} ${type ?? '(no type)'}). ${FIX_CONFIG}`,
      }
    }
    if (type !== undefined && PERMISSION_TYPES.has(type))
      return { error: new KitError('permission_denied', { cause: error }) }
    // The user's token stopped working between verification and this call (signed out).
    if (recordType === 'app-user') return { error: invalidTokenError(error) }
    if (type !== undefined && INVALID_QUERY_TYPES.has(type))
      return { error: new KitError('invalid_query', { cause: error }) }
    return {
      error: unavailable(error),
      log: `instant-express-auth: Instant answered ${status} ${type ?? '(no type)'} to a query or transaction; answering 503 auth_unavailable.`,
    }
  }
  const outage = outageCode(error)
  if (outage !== undefined) return { error: unavailable(error), outage }
  if ((error as { code?: unknown } | null)?.code === ADMIN_TOKEN_REQUIRED_CODE) {
    return {
      error: new KitError('instant_misconfigured', { cause: error }),
      log: `instant-express-auth: the Instant client has no admin token for a query or transaction. ${FIX_CONFIG}`,
    }
  }
  return undefined
}

function unavailable(cause: unknown): KitError {
  return new KitError('auth_unavailable', {
    cause,
    detail: DATA_UNAVAILABLE,
    headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) },
  })
}
