/**
 * Where a request's Instant refresh token comes from: the `token` header (Instant's documented
 * convention), then `Authorization: Bearer`, then a cookie only when one is configured.
 */
import { DEFAULT_CHALLENGE, KitError } from './errors.js'

/** The part of a request the kit reads: Node's `IncomingMessage` satisfies it. */
export interface RequestLike {
  method?: string | undefined
  headers: Record<string, string | string[] | undefined>
}

/** Longer than any Instant token by far: refuse it without asking Instant. */
export const MAX_TOKEN_LENGTH = 1024

/** `WWW-Authenticate` values per RFC 6750 §3. */
export const WWW_AUTHENTICATE_MISSING = DEFAULT_CHALLENGE
export const WWW_AUTHENTICATE_INVALID = 'Bearer realm="instant", error="invalid_token"'
export const WWW_AUTHENTICATE_BAD_REQUEST = 'Bearer realm="instant", error="invalid_request"'

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

function conflictingTokensError(): KitError {
  return new KitError('invalid_request', {
    detail: 'The request carries more than one different token.',
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE_BAD_REQUEST },
  })
}

/** Reads the token of a request; `undefined` when there is none. Throws `invalid_request`. */
export type TokenExtractor = (headers: RequestLike['headers']) => string | undefined

export interface TokenSourceOptions {
  /** Cookie to read the token from, after the headers. Default: none (cookies are not read). */
  cookie?: string | undefined
}

const BEARER = /^Bearer[ \t]+([^ \t]+)[ \t]*$/i
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Builds the extractor once. Rejects (400 `invalid_request`) a request that carries two
 * different tokens, so a proxy-added header cannot silently override the caller's own.
 */
export function createTokenExtractor(options: TokenSourceOptions = {}): TokenExtractor {
  const cookieName = options.cookie
  if (
    cookieName !== undefined &&
    (typeof cookieName !== 'string' || !COOKIE_NAME.test(cookieName))
  ) {
    throw new TypeError(
      '`cookie` must be a cookie name (a non-empty token string), e.g. "instant_token".',
    )
  }
  const cookiePrefix = cookieName === undefined ? undefined : `${cookieName}=`

  return function extractToken(headers) {
    let token = single(headers['token'])
    const authorization = headers['authorization']
    if (authorization !== undefined) {
      const bearer = bearerToken(authorization)
      if (bearer !== undefined) {
        if (token !== undefined && token !== bearer) throw conflictingTokensError()
        token = bearer
      }
    }
    if (cookiePrefix !== undefined) {
      const fromCookie = cookieToken(headers['cookie'], cookiePrefix)
      if (fromCookie !== undefined) {
        if (token !== undefined && token !== fromCookie) throw conflictingTokensError()
        token = fromCookie
      }
    }
    return token
  }
}

/** One header value, or a repeated header whose values must all agree. */
function single(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') return nonEmpty(value)
  let found: string | undefined
  for (const item of value) {
    const token = nonEmpty(item)
    if (token === undefined) continue
    if (found !== undefined && found !== token) throw conflictingTokensError()
    found = token
  }
  return found
}

function nonEmpty(value: string): string | undefined {
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

function bearerToken(value: string | string[]): string | undefined {
  if (typeof value !== 'string') return undefined
  const match = BEARER.exec(value)
  return match === null ? undefined : match[1]
}

function cookieToken(header: string | string[] | undefined, prefix: string): string | undefined {
  if (typeof header !== 'string') return undefined
  let found: string | undefined
  for (const part of header.split(';')) {
    const pair = part.trim()
    if (!pair.startsWith(prefix)) continue
    let value = pair.slice(prefix.length).trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1)
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value)
      } catch {
        // A malformed escape: keep the raw value; Instant will reject it as a bad token.
      }
    }
    const token = nonEmpty(value)
    if (token === undefined) continue
    if (found !== undefined && found !== token) throw conflictingTokensError()
    found = token
  }
  return found
}
