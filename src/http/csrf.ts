/**
 * Cross-site request forgery defence for cookie sessions: is an unsafe request same-origin?
 *
 * A browser attaches a cookie to a request another site makes (a form POST, a `text/plain`
 * `fetch` without preflight), so a cookie alone does not show that the app's own page sent the
 * request. The browser does tell us where the request came from: Fetch Metadata
 * (`Sec-Fetch-Site`, every current engine) and `Origin` (sent on every cross-origin request and
 * on every POST). The rule follows Go's `http.CrossOriginProtection`:
 *
 * 1. `GET`, `HEAD` and `OPTIONS` are never checked (they must not change state).
 * 2. An `Origin` that is the app's own origin or in `trustedOrigins` passes.
 * 3. Otherwise `Sec-Fetch-Site: same-origin` (or `none`: typed by the user) passes, any other
 *    value (`same-site`, `cross-site`) is refused.
 * 4. Without `Sec-Fetch-Site`, a foreign `Origin` (including `null`) is refused, and a request
 *    with neither header passes: it is not from a browser, so it carries no victim's cookie.
 */
import { KitError } from '../errors/kit-error.js'
import { optionError } from '../options/option-error.js'
import type { RequestLike } from './token-source.js'

/** Methods that must not change state, so are never checked. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The public answer; names no origin, so it echoes nothing the attacker sent. */
export const CSRF_REJECTED_DETAIL =
  'Cross-origin request refused: this route only accepts requests from the app’s own pages.'
export const CSRF_TEXT_PLAIN_DETAIL =
  'A JSON body sent as text/plain is refused here; send Content-Type: application/json.'

function csrfRejectedError(detail: string = CSRF_REJECTED_DETAIL): KitError {
  return new KitError('csrf_rejected', { detail })
}

/** The validated `trustedOrigins` option: serialised origins (`https://app.example.com`). */
export type TrustedOrigins = ReadonlySet<string>

/**
 * Validates `trustedOrigins` once: an array of origins (scheme, host and port only, no path),
 * each normalised as a browser serialises `Origin` (lower case, default port left out).
 */
export function resolveTrustedOrigins(value: unknown, factory: string): TrustedOrigins {
  if (value === undefined) return new Set()
  if (!Array.isArray(value)) {
    throw optionError(
      factory,
      'trustedOrigins',
      'be an array of origins, e.g. ["https://app.example.com"]',
      value,
    )
  }
  const origins = new Set<string>()
  for (const [index, item] of (value as unknown[]).entries()) {
    const origin = typeof item === 'string' ? parseOrigin(item) : undefined
    if (origin === undefined) {
      throw optionError(
        factory,
        `trustedOrigins[${index}]`,
        'be an origin like "https://app.example.com" (scheme, host and optional port; no path)',
        item,
        typeof item === 'string' ? JSON.stringify(item) : undefined,
      )
    }
    origins.add(origin)
  }
  return origins
}

/** `scheme://host[:port]` of an http(s) URL, or `undefined`. */
function parseOrigin(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '')
    return undefined
  if (url.pathname !== '/') return undefined
  return url.origin
}

/** `GET`, `HEAD` and `OPTIONS`: never checked, so callers can skip deriving the origin. */
export function isSafeMethod(method: string | undefined): boolean {
  return method !== undefined && SAFE_METHODS.has(method)
}

/** What the check needs to know about one request. */
interface CsrfRequest extends RequestLike {
  /**
   * The app's own origin as this request addressed it (`http://localhost:3000`), derived by the
   * framework layer from the protocol and `Host`; `undefined` when it cannot be told.
   */
  ownOrigin: string | undefined
}

/**
 * Returns the 403 `csrf_rejected` error for an unsafe request that is not same-origin, or
 * `undefined` when the request may go on.
 */
export function checkSameOrigin(
  request: CsrfRequest,
  trustedOrigins: TrustedOrigins,
): KitError | undefined {
  if (isSafeMethod(request.method)) return undefined
  const origin = headerValue(request.headers['origin'])
  if (origin !== undefined) {
    const lower = origin.toLowerCase()
    if (lower === request.ownOrigin || trustedOrigins.has(lower)) return undefined
  }
  const site = headerValue(request.headers['sec-fetch-site'])
  if (site !== undefined) {
    const value = site.toLowerCase()
    return value === 'same-origin' || value === 'none' ? undefined : csrfRejectedError()
  }
  return origin === undefined ? undefined : csrfRejectedError()
}

/**
 * Refuses a `text/plain` body: a cross-site form (`enctype="text/plain"`) or `fetch` can send
 * one without a preflight and shape it into valid JSON, which the kit's body reader would accept.
 */
export function checkNotTextPlain(request: RequestLike): KitError | undefined {
  const type = headerValue(request.headers['content-type'])
  if (type === undefined) return undefined
  const media = type.split(';', 1)[0]!.trim().toLowerCase()
  return media === 'text/plain' ? csrfRejectedError(CSRF_TEXT_PLAIN_DETAIL) : undefined
}

function headerValue(value: string | string[] | undefined): string | undefined {
  // Browsers send each of these once (Node joins repeats into one string, which then matches nothing).
  const first = Array.isArray(value) ? value[0] : value
  if (first === undefined) return undefined
  const trimmed = first.trim()
  return trimmed === '' ? undefined : trimmed
}
