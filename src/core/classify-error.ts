/**
 * Turns whatever an Instant admin client threw into the kit's error, by structure (name, status,
 * body.type, hint) rather than `instanceof`, so both our client and `@instantdb/admin` work.
 * Outages are never reported as 401: an Instant outage must not log everyone out.
 */
import { KitError, isKitError } from './errors.js'
import { invalidTokenError } from './token-source.js'

/** Sent with 503 `auth_unavailable`: a short retry hint, in seconds. */
export const UNAVAILABLE_RETRY_AFTER_S = 5
/** Sent with 429 `rate_limited` when Instant limited us and gave no hint, in seconds. */
export const UPSTREAM_RATE_LIMIT_RETRY_AFTER_S = 60

/** What the kit was doing when Instant failed; decides what a 400 from Instant means. */
export type InstantOperation =
  'verifyToken' | 'createToken' | 'getUser' | 'generateMagicCode' | 'checkMagicCode' | 'signOut'

/** The result: the error to answer with and, for operators, a log line without secrets. */
export interface Classified {
  error: KitError
  /** Set when an operator must act (misconfiguration) or when Instant said something unexpected. */
  log?: string
}

interface ApiErrorShape {
  status: number
  type: string | undefined
  recordType: string | undefined
  hintIn: string
}

const FIX_CONFIG =
  'Check INSTANT_APP_ID, INSTANT_APP_ADMIN_TOKEN and INSTANT_API_URI: the admin token must belong to the app id, and the API URI must point at your Instant server.'

/** Classifies an error thrown by `db.auth.*` during `operation`. */
export function classifyInstantError(error: unknown, operation: InstantOperation): Classified {
  if (isKitError(error)) return { error }
  const api = apiErrorShape(error)
  if (api !== undefined) return classifyApiError(error, api, operation)
  if (isTransportError(error)) {
    return { error: unavailable(error) }
  }
  if (error instanceof Error && error.message.startsWith('Admin token required')) {
    return misconfigured(error, `the Instant client has no admin token (${operation}).`)
  }
  // Anything else from the client (a bug, an odd runtime error) is not the user's fault: 503.
  return {
    error: unavailable(error),
    log: `instant-express-auth: unexpected ${errorName(error)} from db.auth.${operation}; answering 503 auth_unavailable.`,
  }
}

function classifyApiError(
  error: unknown,
  api: ApiErrorShape,
  operation: InstantOperation,
): Classified {
  const { status, type, recordType } = api
  if (status === 429 || type === 'rate-limited') {
    return {
      error: new KitError('rate_limited', {
        cause: error,
        headers: { 'Retry-After': String(UPSTREAM_RATE_LIMIT_RETRY_AFTER_S) },
      }),
    }
  }
  if (status >= 500 || type === 'timeout' || type === 'operation-timed-out')
    return { error: unavailable(error) }

  if (status === 404 && type === undefined) {
    return misconfigured(
      error,
      `Instant answered 404 to ${operation}: the API URI does not point at an Instant server.`,
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
  if (status === 401 || status === 403) {
    return misconfigured(error, `Instant answered ${status} to ${operation}.`)
  }

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
  return {
    error: unavailable(error),
    log: `instant-express-auth: Instant answered ${status} ${type ?? '(no type)'} to ${operation}; answering 503 auth_unavailable.`,
  }
}

function unavailable(cause: unknown): KitError {
  return new KitError('auth_unavailable', {
    cause,
    headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) },
  })
}

function misconfigured(cause: unknown, what: string): Classified {
  return {
    error: new KitError('instant_misconfigured', { cause }),
    log: `instant-express-auth: ${what} ${FIX_CONFIG}`,
  }
}

/** Reads `InstantAPIError` fields (ours and the SDK's) without trusting their classes. */
function apiErrorShape(error: unknown): ApiErrorShape | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { name, status, body } = error as { name?: unknown; status?: unknown; body?: unknown }
  if (name !== 'InstantAPIError' || typeof status !== 'number') return undefined
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

/** Network failures: ours (`InstantTransportError`), fetch's `TypeError`, garbage JSON. */
function isTransportError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { name } = error as { name?: unknown }
  if (name === 'InstantTransportError') return true
  if (error instanceof SyntaxError) return true
  if (error instanceof TypeError && (error.message === 'fetch failed' || error.cause !== undefined))
    return true
  if (name === 'AbortError' || name === 'TimeoutError') return true
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+|INSTANT_[A-Z_]+)$/.test(code)
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name
  return typeof error
}
