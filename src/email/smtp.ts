/**
 * `smtpEmail()`: sends through any SMTP server with nodemailer.
 */
import { optionError } from '../options/option-error.js'
import type * as Nodemailer from 'nodemailer'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'
import { resolveTimeoutMs } from '../options/numbers.js'
import { requireOptional } from '../options/optional-dependency.js'
import { isSmtpAuthFailure } from '../errors/email-failure.js'
import { EmailProviderError, redact, type EmailErrorCode } from './errors.js'
import type { EmailProvider } from './message.js'
import { EMAIL_PROVIDER_OPTIONS, emailProvider, type EmailProviderOptions } from './provider.js'
import { requireString } from './require-string.js'

/** SMTP connection, greeting and socket timeouts, in ms, unless `timeoutMs` says otherwise. */
export const DEFAULT_SMTP_TIMEOUT_MS = 10_000

/** The command that installs what {@link smtpEmail} needs (nodemailer is an optional peer). */
export const SMTP_EMAIL_INSTALL = 'npm install nodemailer@^10.6.0'

/**
 * nodemailer's SMTP transport options (`{ host, port, secure, auth, … }`), declared here so the
 * package's types do not need nodemailer's; every nodemailer option is accepted.
 */
export interface SmtpTransportOptions {
  host?: string
  port?: number
  secure?: boolean
  auth?: { user?: string; pass?: string; [option: string]: unknown }
  [option: string]: unknown
}

/** Anything with nodemailer's `sendMail(mail): Promise`, e.g. `nodemailer.createTransport(...)`. */
export interface SmtpTransporter {
  sendMail(mail: {
    from: string
    to: string
    subject: string
    text: string
    html: string
  }): Promise<unknown>
  close?(): void
}

/** Options of {@link smtpEmail}. */
export interface SmtpEmailOptions extends EmailProviderOptions {
  /**
   * nodemailer SMTP transport options (`{ host, port, secure, auth }`), an `smtp(s)://` URL, or a
   * transporter you created (then you own it: `close()` leaves it open). Required.
   */
  transport: SmtpTransportOptions | string | SmtpTransporter
  /** The sender, e.g. `'Acme <login@acme.com>'`. Required. */
  from: string
  /**
   * Connection, greeting and socket timeouts in ms, for a transport built from options (yours
   * win when set). Default `10_000`.
   */
  timeoutMs?: number
}

/** Every key {@link smtpEmail} accepts; anything else throws. */
const SMTP_EMAIL_OPTIONS = {
  ...EMAIL_PROVIDER_OPTIONS,
  transport: true,
  from: true,
  timeoutMs: true,
} as const satisfies OptionKeys<SmtpEmailOptions>

/** An SMTP provider; `close()` closes the transport it created. */
export interface SmtpEmailProvider extends EmailProvider {
  close(): void
}

/**
 * An email provider on SMTP, through nodemailer. Accepts a full message or `{ email, code }`.
 *
 * @example
 * ```ts
 * const sendEmail = smtpEmail({
 *   transport: { host: 'smtp.example.com', port: 587, auth: { user, pass } },
 *   from: 'Acme <login@acme.com>',
 * })
 * app.use(magicCodeRouter({ db, sendEmail }))
 * ```
 */
export function smtpEmail(options: SmtpEmailOptions): SmtpEmailProvider {
  checkOptionKeys(options, SMTP_EMAIL_OPTIONS, 'smtpEmail')
  const from = requireString(options, 'from', 'smtpEmail')
  const { transport } = options
  const timeoutMs = resolveTimeoutMs(options.timeoutMs, {
    factory: 'smtpEmail',
    option: 'timeoutMs',
    default: DEFAULT_SMTP_TIMEOUT_MS,
    integer: true,
  })
  let transporter: SmtpTransporter
  let owned: boolean
  if (isTransporter(transport)) {
    transporter = transport
    owned = false
  } else if (
    typeof transport === 'string' ||
    (typeof transport === 'object' && transport !== null)
  ) {
    // Loaded only here: a transporter you pass in needs no nodemailer of ours.
    const { createTransport } = requireOptional<typeof Nodemailer>('nodemailer', {
      feature: 'smtpEmail()',
      install: SMTP_EMAIL_INSTALL,
    })
    transporter =
      typeof transport === 'string'
        ? createTransport(transport)
        : createTransport({
            connectionTimeout: timeoutMs,
            greetingTimeout: timeoutMs,
            socketTimeout: timeoutMs,
            ...transport,
          })
    owned = true
  } else {
    throw optionError(
      'smtpEmail',
      'transport',
      'be SMTP options ({ host, port, auth }), an smtp:// URL or a nodemailer transporter',
      transport,
    )
  }
  const credentials = credentialsOf(transport)

  const send = emailProvider(
    'smtpEmail',
    async ({ to, subject, text, html, code }) => {
      try {
        await transporter.sendMail({ from, to, subject, text, html })
      } catch (err) {
        throw smtpError(err, [...credentials, code])
      }
    },
    { magicCode: options.magicCode },
  )
  return Object.assign(send, {
    close(): void {
      if (owned) transporter.close?.()
    },
  })
}

function isTransporter(value: unknown): value is SmtpTransporter {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SmtpTransporter).sendMail === 'function'
  )
}

/** The secrets a server reply must never echo into our error. */
function credentialsOf(transport: unknown): string[] {
  if (typeof transport === 'string') {
    try {
      const password = new URL(transport).password
      return password ? [password, decodeURIComponent(password)] : []
    } catch {
      return []
    }
  }
  const auth = (transport as { auth?: Record<string, unknown> } | null)?.auth
  if (typeof auth !== 'object' || auth === null) return []
  return ['pass', 'accessToken', 'refreshToken', 'clientSecret', 'privateKey']
    .map((key) => auth[key])
    .filter((value): value is string => typeof value === 'string' && value !== '')
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT'])
const REJECT_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS'])

function smtpError(err: unknown, secrets: (string | undefined)[]): EmailProviderError {
  const { code, responseCode, response } = (err ?? {}) as {
    code?: unknown
    responseCode?: unknown
    response?: unknown
  }
  const reply = typeof responseCode === 'number' ? responseCode : undefined
  const errorCode = classify(typeof code === 'string' ? code : undefined, reply)
  const detail = typeof response === 'string' ? redact(response, secrets) : undefined
  const what = {
    EMAIL_REJECTED: 'rejected the message',
    EMAIL_RATE_LIMITED: 'rate-limited the sender',
    EMAIL_UNAUTHORIZED: 'refused the credentials',
    EMAIL_UNAVAILABLE: 'could not take the message',
    EMAIL_TIMEOUT: 'timed out',
  }[errorCode]
  return new EmailProviderError(
    errorCode,
    `SMTP server ${what}${reply ? ` (${reply})` : ''}${detail ? `: ${detail}` : ''}`,
    {
      provider: 'smtp',
      ...(reply === undefined ? {} : { status: reply }),
      ...(detail === undefined ? {} : { detail }),
      cause: err,
    },
  )
}

function classify(code: string | undefined, reply: number | undefined): EmailErrorCode {
  if (isSmtpAuthFailure(code, reply)) return 'EMAIL_UNAUTHORIZED'
  if (code !== undefined && TIMEOUT_CODES.has(code)) return 'EMAIL_TIMEOUT'
  // RFC 5321: 5yz is permanent (this message will not go through), 4yz transient.
  if (reply !== undefined && reply >= 500 && reply !== 503) return 'EMAIL_REJECTED'
  if (code !== undefined && REJECT_CODES.has(code) && reply === undefined) return 'EMAIL_REJECTED'
  return 'EMAIL_UNAVAILABLE'
}
