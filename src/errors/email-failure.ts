/**
 * What a failed `sendEmail` means: the provider error's safe `code` for the log line and the
 * `email_failed` event, and whether it is permanent (the provider refused the app's credentials
 * or configuration: 500 `email_misconfigured`, an operator must act) or transient (503
 * `email_unavailable`, try again shortly). Recognised by brand and `code`, never by message:
 * provider messages can echo the code or an API key.
 */
import { EMAIL_PROVIDER_ERROR } from './brands.js'
import { KitError, isKitError } from './kit-error.js'

/** nodemailer's codes for refused SMTP credentials. */
const SMTP_AUTH_CODES: ReadonlySet<string> = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2'])

/**
 * True when an SMTP failure means the server refused the app's credentials: one of nodemailer's
 * auth codes, or reply 530 (authentication required) or 535 (credentials invalid) to any
 * command. `smtpEmail` calls these `EMAIL_UNAUTHORIZED`; {@link emailFailure} reads a
 * nodemailer error thrown by an app's own `sendEmail` the same way.
 */
export function isSmtpAuthFailure(code: string | undefined, reply: number | undefined): boolean {
  return (code !== undefined && SMTP_AUTH_CODES.has(code)) || reply === 530 || reply === 535
}

/** A code is only logged when it looks like an identifier, never free text. */
const SAFE_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/

/** How one `sendEmail` failure is answered and reported. */
interface EmailFailure {
  /** The error to answer with. */
  error: KitError
  /** The operator's log line (error level), without the address, code or any key. */
  log: string
  /** The provider error's code, when it has a safe one. */
  code: string | undefined
  permanent: boolean
}

/**
 * Classifies what `sendEmail` threw (or `timedOutAfterMs` when it outlived its deadline) for an
 * address at `domain`.
 */
export function emailFailure(
  error: unknown,
  domain: string,
  timedOutAfterMs?: number,
): EmailFailure {
  const code = safeCode(error)
  const branded =
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[EMAIL_PROVIDER_ERROR] === true
  const permanent =
    timedOutAfterMs === undefined &&
    (branded
      ? (error as { permanent?: unknown }).permanent === true
      : isSmtpAuthFailure(code, smtpReply(error)))
  const name = isKitError(error) ? 'KitError' : error instanceof Error ? error.name : typeof error
  const what =
    timedOutAfterMs !== undefined
      ? `did not finish within ${timedOutAfterMs} ms`
      : `failed (${name}${code === undefined ? '' : ` ${code}`})`
  const log = permanent
    ? `instant-express-auth: sendEmail ${what} for a @${domain} address: the email provider refused the app's credentials or configuration; check its API key (or SMTP login) and verified sender domain. Answering 500 email_misconfigured.`
    : `instant-express-auth: sendEmail ${what} for a @${domain} address; answering 503 email_unavailable.`
  return {
    error: new KitError(permanent ? 'email_misconfigured' : 'email_unavailable', { cause: error }),
    log,
    code,
    permanent,
  }
}

function safeCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code } = error as { code?: unknown }
  return typeof code === 'string' && SAFE_CODE.test(code) ? code : undefined
}

/** nodemailer's `responseCode`: the SMTP server's reply. */
function smtpReply(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { responseCode } = error as { responseCode?: unknown }
  return typeof responseCode === 'number' ? responseCode : undefined
}
