/**
 * The kit's one error family (jose-style: typed by a stable string `code`). HTTP errors also
 * carry `status`, `statusCode` and `headers` (auth0-style), which is what Express's default
 * handler (finalhandler) reads, so the status is right even without our error handler.
 */
import { KIT_ERROR } from './brands.js'

/** Branded so `isKitError` works across duplicate copies of the package (undici does this). */

/** Every stable error code, with the HTTP status it answers with. */
export const KIT_ERROR_STATUS = {
  invalid_request: 400,
  invalid_query: 400,
  missing_token: 401,
  invalid_token: 401,
  invalid_credentials: 401,
  invalid_code: 401,
  guest_not_allowed: 403,
  permission_denied: 403,
  csrf_rejected: 403,
  rate_limited: 429,
  instant_misconfigured: 500,
  email_misconfigured: 500,
  internal_error: 500,
  auth_unavailable: 503,
  email_unavailable: 503,
} as const

export type KitErrorCode = keyof typeof KIT_ERROR_STATUS

/** Short human titles for problem+json bodies (RFC 9457 `title`). */
const TITLES: Record<KitErrorCode, string> = {
  invalid_request: 'Invalid request',
  invalid_query: 'Invalid query',
  missing_token: 'Missing token',
  invalid_token: 'Invalid token',
  invalid_credentials: 'Invalid credentials',
  invalid_code: 'Invalid code',
  guest_not_allowed: 'Guests not allowed',
  permission_denied: 'Permission denied',
  csrf_rejected: 'Cross-origin request refused',
  rate_limited: 'Too many requests',
  instant_misconfigured: 'Authentication is misconfigured',
  email_misconfigured: 'Email is misconfigured',
  internal_error: 'Internal error',
  auth_unavailable: 'Authentication unavailable',
  email_unavailable: 'Email unavailable',
}

/** Safe default details: never carry a token, code, email or upstream message. */
const DETAILS: Record<KitErrorCode, string> = {
  invalid_request: 'The request is malformed.',
  invalid_query: 'Instant refused the query or transaction as malformed.',
  missing_token: 'A token is required.',
  invalid_token: 'The token is unknown, revoked or malformed.',
  invalid_credentials: 'Sign-in failed.',
  invalid_code: 'The code is wrong or has expired.',
  guest_not_allowed: 'Guest users are not allowed here.',
  permission_denied: 'A permission rule refused this read or write.',
  csrf_rejected:
    'Cross-origin request refused: this route only accepts requests from the app’s own pages.',
  rate_limited: 'Too many requests; try again later.',
  instant_misconfigured:
    'The server cannot reach its authentication backend with its configuration.',
  email_misconfigured: 'The code could not be sent: the email provider refused our configuration.',
  internal_error: 'Something went wrong.',
  auth_unavailable: 'The authentication backend is unavailable; try again shortly.',
  email_unavailable: 'The code could not be sent; try again shortly.',
}

/**
 * Default prefix of problem `type` URIs: a URN, deliberately not dereferenceable, so no body points
 * at a page that might not exist. Each code is documented under its own heading in the shipped
 * `docs/errors.md`; an app that publishes its own error docs points `type` there with
 * `setProblemTypeBase`.
 */
export const DEFAULT_PROBLEM_TYPE_BASE = 'urn:instant-express-auth:error:'

let problemTypeBase: string = DEFAULT_PROBLEM_TYPE_BASE

/**
 * Sets the prefix of every problem `type` URI (the code is appended), e.g.
 * `setProblemTypeBase('https://example.com/docs/errors#')` gives
 * `https://example.com/docs/errors#invalid_token`. Process-wide, because errors are built deep
 * inside the kit where no factory option reaches; call it once at startup. `undefined` restores
 * the URN default. Throws a `TypeError` unless the base is an absolute URI.
 */
export function setProblemTypeBase(base: string | undefined): void {
  if (base === undefined) {
    problemTypeBase = DEFAULT_PROBLEM_TYPE_BASE
    return
  }
  if (typeof base !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(base)) {
    // The option-error template (options/option-error.ts), written out: errors/ is the floor below.
    throw new TypeError(
      `setProblemTypeBase(): \`base\` must be an absolute URI such as "https://example.com/errors#" or "urn:example:error:"; got ${base === null ? 'null' : `a ${typeof base}`}.`,
    )
  }
  problemTypeBase = base
}

/** The problem `type` URI for a code under the current base. */
function problemType(code: KitErrorCode): string {
  return `${problemTypeBase}${code}`
}

/**
 * The challenge every 401 carries unless it names its own: RFC 9110 §15.5.2 requires one, and
 * RFC 6750 gives Bearer's.
 */
export const DEFAULT_CHALLENGE = 'Bearer realm="instant"'

export interface KitErrorOptions {
  /** Public detail for the response body; must never contain a secret. Defaults per code. */
  detail?: string
  /** The underlying error, kept for logs and debugging (never rendered into a response). */
  cause?: unknown
  /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
  headers?: Record<string, string>
}

/** An error of the kit, with a stable `code` and the HTTP status and headers to answer with. */
export class KitError extends Error {
  override readonly name = 'KitError'
  readonly code: KitErrorCode
  readonly status: number
  /** Same as `status`; read by Express's default error handler. */
  readonly statusCode: number
  /** Response headers to send with this error; read by Express's default error handler. */
  readonly headers: Record<string, string>
  /** finalhandler only shows `message` to clients when `expose` is true; ours is always safe. */
  readonly expose = true

  constructor(code: KitErrorCode, options: KitErrorOptions = {}) {
    super(
      options.detail ?? DETAILS[code],
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.code = code
    this.status = KIT_ERROR_STATUS[code]
    this.statusCode = this.status
    this.headers = { ...options.headers }
    if (
      this.status === 401 &&
      !Object.keys(this.headers).some((name) => name.toLowerCase() === 'www-authenticate')
    ) {
      this.headers['WWW-Authenticate'] = DEFAULT_CHALLENGE
    }
    Object.defineProperty(this, KIT_ERROR, { value: true })
  }

  /** The RFC 9457 problem details body for this error. */
  toProblem(): ProblemDetails {
    return {
      type: problemType(this.code),
      title: TITLES[this.code],
      status: this.status,
      detail: this.message,
      code: this.code,
    }
  }
}

/** The JSON body of every kit error response (`application/problem+json`). */
export interface ProblemDetails {
  type: string
  title: string
  status: number
  detail: string
  code: KitErrorCode
}

/** True for a `KitError` from any copy of this package; match on `code` after this. */
export function isKitError(value: unknown): value is KitError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[KIT_ERROR] === true
  )
}
