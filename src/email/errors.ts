/**
 * The typed error every email provider of the kit rejects with. Like the kit's `KitError`, it is
 * typed by a stable string `code` and branded with `Symbol.for`, so callers match on `code` even
 * across duplicate copies of the package.
 *
 * It never carries the provider's API key or the magic code: provider answers are redacted
 * before they become `detail`, and request headers never become part of it.
 */
import { EMAIL_PROVIDER_ERROR } from '../errors/brands.js'

/** Why a provider did not accept a message. */
export type EmailErrorCode =
  /** The provider refused this message (bad address, unverified sender, 4xx, SMTP 5xx). */
  | 'EMAIL_REJECTED'
  /** The provider asked us to slow down (HTTP 429); see `retryAfterSeconds`. */
  | 'EMAIL_RATE_LIMITED'
  /** The API key or SMTP credentials were refused (HTTP 401/403, SMTP auth failure). */
  | 'EMAIL_UNAUTHORIZED'
  /** The provider could not be reached or failed on its side (network error, 5xx, SMTP 4xx). */
  | 'EMAIL_UNAVAILABLE'
  /** The provider did not answer within `timeoutMs`. */
  | 'EMAIL_TIMEOUT'

/** Options of {@link EmailProviderError}. */
export interface EmailProviderErrorOptions {
  /** Which provider failed, e.g. `'resend'`, `'smtp'`, `'failover'`. */
  provider: string
  /** The provider's HTTP status (or SMTP reply code), when it answered. */
  status?: number
  /** The provider's own explanation, already redacted. */
  detail?: string
  /** Seconds the provider asked us to wait (HTTP `Retry-After`), when it said so. */
  retryAfterSeconds?: number
  /** For `failover`: the error of each provider, in the order they were tried. */
  errors?: readonly unknown[]
  /** The underlying error, kept for logs. */
  cause?: unknown
}

/**
 * A provider did not accept a message.
 *
 * @example
 * ```ts
 * try {
 *   await sendEmail({ email, code })
 * } catch (err) {
 *   if (isEmailProviderError(err) && err.code === 'EMAIL_RATE_LIMITED') retryLater(err.retryAfterSeconds)
 * }
 * ```
 */
export class EmailProviderError extends Error {
  override readonly name = 'EmailProviderError'
  readonly code: EmailErrorCode
  readonly provider: string
  readonly status: number | undefined
  readonly detail: string | undefined
  readonly retryAfterSeconds: number | undefined
  readonly errors: readonly unknown[] | undefined
  /**
   * `true` when retrying cannot help until someone changes the configuration: the provider
   * refused the API key or SMTP credentials (`EMAIL_UNAUTHORIZED`, which also covers an
   * unverified sender domain on HTTP 403). `magicCodeRouter` answers these 500
   * `email_misconfigured` instead of 503 `email_unavailable`.
   */
  readonly permanent: boolean

  constructor(code: EmailErrorCode, message: string, options: EmailProviderErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.provider = options.provider
    this.status = options.status
    this.detail = options.detail
    this.retryAfterSeconds = options.retryAfterSeconds
    this.errors = options.errors
    this.permanent = code === 'EMAIL_UNAUTHORIZED'
    Object.defineProperty(this, EMAIL_PROVIDER_ERROR, { value: true })
  }
}

/** True for an `EmailProviderError` from any copy of this package; match on `code` after this. */
export function isEmailProviderError(value: unknown): value is EmailProviderError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[EMAIL_PROVIDER_ERROR] === true
  )
}

const REDACTED = '[redacted]'
const MAX_DETAIL_LENGTH = 500

/**
 * Removes every secret (API key, magic code) from text a provider sent back, and caps its length,
 * so it can go into an error message. Providers sometimes echo what they were sent.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(REDACTED)
  }
  return out.length > MAX_DETAIL_LENGTH ? `${out.slice(0, MAX_DETAIL_LENGTH)}…` : out
}
