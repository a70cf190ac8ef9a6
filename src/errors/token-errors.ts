/**
 * The errors of a request's token: missing, invalid, or two different ones at once, each with
 * its RFC 6750 `WWW-Authenticate` challenge.
 */
import { DEFAULT_CHALLENGE, KitError } from './kit-error.js'

/** `WWW-Authenticate` values per RFC 6750 §3. */
const WWW_AUTHENTICATE_MISSING = DEFAULT_CHALLENGE
const WWW_AUTHENTICATE_INVALID = 'Bearer realm="instant", error="invalid_token"'
const WWW_AUTHENTICATE_BAD_REQUEST = 'Bearer realm="instant", error="invalid_request"'

export function missingTokenError(): KitError {
  return new KitError('missing_token', {
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE_MISSING },
  })
}

export function invalidTokenError(cause?: unknown): KitError {
  return new KitError('invalid_token', {
    cause,
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE_INVALID },
  })
}

export function conflictingTokensError(): KitError {
  return new KitError('invalid_request', {
    detail: 'The request carries more than one different token.',
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE_BAD_REQUEST },
  })
}
