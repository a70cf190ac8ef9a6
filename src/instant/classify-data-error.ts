/**
 * What an error thrown by a handler's `req.instant.db.query` / `transact` (or any Instant admin
 * client call) means for the response: a rule's refusal is 403, a malformed query 400, an
 * outage 503, wrong credentials 500, never Express's HTML page with a stack. The mapping shared
 * with the auth calls is `classifyKnownError`'s; only the answers particular to data are here.
 */
import { classifyKnownError, type Classified } from './classify-error.js'
import { KitError } from '../errors/kit-error.js'
import { invalidTokenError } from '../errors/token-errors.js'

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
export function classifyDataError(error: unknown): Classified | undefined {
  return classifyKnownError(
    error,
    'a query or transaction',
    ({ type, recordType }) => {
      if (type !== undefined && PERMISSION_TYPES.has(type))
        return { error: new KitError('permission_denied', { cause: error }) }
      // The user's token stopped working between verification and this call (signed out).
      if (recordType === 'app-user') return { error: invalidTokenError(error) }
      if (type !== undefined && INVALID_QUERY_TYPES.has(type))
        return { error: new KitError('invalid_query', { cause: error }) }
      return undefined
    },
    DATA_UNAVAILABLE,
  )
}
