/**
 * Where a request's Instant refresh token comes from: the `token` header (Instant's documented
 * convention), then `Authorization: Bearer`, then a cookie only when one is configured.
 */
import { conflictingTokensError } from '../errors/token-errors.js'
import { optionError } from '../options/option-error.js'

/** The part of a request the kit reads: Node's `IncomingMessage` satisfies it. */
export interface RequestLike {
  method?: string | undefined
  headers: Record<string, string | string[] | undefined>
  /** Every header line as sent (Node's `rawHeaders`): how repeated `Authorization` lines are seen. */
  rawHeaders?: readonly string[] | undefined
}

/** Longer than any Instant token by far: refuse it without asking Instant. */
export const MAX_TOKEN_LENGTH = 1024

/**
 * Reads the token of a request, in its canonical spelling ({@link canonicalToken}); `undefined`
 * when there is none. Throws `invalid_request`. Pass the request as `raw` so that two different
 * `Authorization` lines are refused (Node keeps only the first in `headers`): its `rawHeaders`
 * are read only when there is an `Authorization` header, since on Express every property read
 * from a request is a slow, uncached lookup (its hidden class is new for each request).
 */
type TokenExtractor = (
  headers: RequestLike['headers'],
  raw?: Pick<RequestLike, 'rawHeaders'>,
) => string | undefined

/**
 * The one spelling of a token. Instant's refresh tokens are UUIDs, which Instant parses and so
 * matches case-insensitively: `ABC…` and `abc…` are the same token there, so they must be the
 * same cache entry and the same sign-out eviction here, or a signed-out token would live on in
 * another spelling until its cache entry expired.
 */
export function canonicalToken(token: string): string {
  return token.toLowerCase()
}

interface TokenSourceOptions {
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
    throw optionError(
      'createTokenExtractor',
      'cookie',
      'be a cookie name (a non-empty token string), e.g. "instant_token"',
      cookieName,
    )
  }
  const cookiePrefix = cookieName === undefined ? undefined : `${cookieName}=`

  return function extractToken(headers, raw) {
    let token = single(headers['token'])
    const authorization = headers['authorization']
    if (authorization !== undefined) {
      const rawHeaders = raw?.rawHeaders
      if (rawHeaders !== undefined) assertOneAuthorization(rawHeaders)
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

/**
 * True when the request's token comes from a header the kit reads: a non-empty `token` header, or
 * `Authorization: Bearer <token>`. Only then is a cookie-mode request exempt from the CSRF check:
 * a cross-site page can set neither header without a CORS preflight the app would have to allow.
 * Any other `Authorization` (Basic, Digest, Negotiate — which browsers attach on their own behind
 * HTTP auth or intranet SSO), or a malformed Bearer, is ambient: the token then came from the
 * cookie, and the check applies. A header whose values conflict answers `false` (the extractor
 * refuses that request anyway).
 */
export function carriesHeaderToken(headers: RequestLike['headers']): boolean {
  try {
    if (single(headers['token']) !== undefined) return true
    const authorization = headers['authorization']
    return authorization !== undefined && bearerToken(authorization) !== undefined
  } catch {
    return false
  }
}

/**
 * Node keeps the first of several `Authorization` lines and drops the rest, so a proxy-added
 * line (or an attacker's) would silently decide who the caller is: refuse differing lines, as
 * for any other pair of different tokens. Repeats of one credential are that credential.
 */
function assertOneAuthorization(rawHeaders: readonly string[]): void {
  let first: string | undefined
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') continue
    const line = rawHeaders[i + 1] as string
    const value = bearerToken(line) ?? line.trim()
    if (first === undefined) first = value
    else if (value !== first) throw conflictingTokensError()
  }
}

/**
 * The `token` header. Node joins repeated lines of an unknown header with ", " (and a token
 * never contains a comma), so `t, t` is one token sent twice and `a, b` two different ones.
 */
function single(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') {
    if (!value.includes(',')) return nonEmpty(value)
    return agreeing(value.split(','))
  }
  return agreeing(value.flatMap((item) => item.split(',')))
}

/** The one non-empty value of `values`; two different ones are a conflict. */
function agreeing(values: readonly string[]): string | undefined {
  let found: string | undefined
  for (const item of values) {
    const token = nonEmpty(item)
    if (token === undefined) continue
    if (found !== undefined && found !== token) throw conflictingTokensError()
    found = token
  }
  return found
}

function nonEmpty(value: string): string | undefined {
  const trimmed = value.trim()
  return trimmed === '' ? undefined : canonicalToken(trimmed)
}

function bearerToken(value: string | string[]): string | undefined {
  if (typeof value !== 'string') return undefined
  const match = BEARER.exec(value)
  return match === null ? undefined : canonicalToken(match[1] as string)
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
