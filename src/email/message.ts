/**
 * The message shapes providers accept, and the default magic-code message.
 */
import { optionError } from '../options/option-error.js'
import { resolveNumber } from '../options/numbers.js'
import type { OptionKeys } from '../options/keys.js'

/** A complete email, as every provider of the kit sends it. */
export interface EmailMessage {
  /** The recipient's address. */
  to: string
  subject: string
  /** The plain-text body. */
  text: string
  /** The HTML body. */
  html: string
  /** The magic code this message carries, if any (used by `consoleEmail` and `memoryEmail`). */
  code?: string
}

/** What `magicCodeRouter` hands its `sendEmail`: a recipient and the code to deliver. */
export interface MagicCodeEmail {
  email: string
  code: string
  /**
   * How long the code verifies, in ms. `magicCodeRouter` passes its `codeTtlMs`, and the
   * message then states that validity (it wins over `expiryMinutes`).
   */
  expiresInMs?: number
}

/**
 * An email provider: resolves once the provider accepted the message, rejects with an
 * `EmailProviderError` otherwise. Every provider of the kit also accepts `{ email, code }` and
 * builds the default magic-code message, so it can be passed as `magicCodeRouter`'s `sendEmail`.
 */
export type EmailProvider = (message: EmailMessage | MagicCodeEmail) => Promise<void>

/** What a magic-code message template receives. */
export interface MagicCodeTemplateInput {
  email: string
  code: string
  appName: string
  /** The validity in minutes (fractional below a minute, e.g. `0.25` for 15 s). */
  expiryMinutes: number
  /** The validity in words, as the default message says it: `'10 minutes'`, `'15 seconds'`. */
  expiresIn: string
}

/** Builds the subject and bodies of a magic-code email. */
export type MagicCodeTemplate = (input: MagicCodeTemplateInput) => {
  subject: string
  text: string
  html: string
}

/** How the magic-code message reads. */
export interface MagicCodeMessageOptions {
  /** Your app's name, shown in the subject and body. Default `'your app'`. */
  appName?: string
  /**
   * How long the code stays valid, as told to the user, when the message does not say it
   * already: `magicCodeRouter` passes its `codeTtlMs` as `expiresInMs`, which wins. Default
   * `10`.
   */
  expiryMinutes?: number
  /** Replaces the default template. Escape what you put into `html` yourself. */
  template?: MagicCodeTemplate
}

/** The keys of {@link MagicCodeMessageOptions} (checked by `checkOptionKeys`). */
export const MAGIC_CODE_MESSAGE_OPTIONS = {
  appName: true,
  expiryMinutes: true,
  template: true,
} as const satisfies OptionKeys<MagicCodeMessageOptions>

/** The app name the default message uses when none is given. */
export const DEFAULT_APP_NAME = 'your app'

/** The expiry the default message announces when none is given. */
export const DEFAULT_CODE_EXPIRY_MINUTES = 10

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/**
 * A validity in words that never promises more than `ms` (below a second it says "1 second"):
 * whole hours or minutes when exact, seconds below two minutes, else whole minutes rounded down.
 *
 * @example
 * ```ts
 * durationInWords(600_000) // '10 minutes'
 * durationInWords(15_000) // '15 seconds'
 * durationInWords(150_000) // '2 minutes'
 * ```
 */
export function durationInWords(ms: number): string {
  const unit = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return unit(ms / 3_600_000, 'hour')
  if (ms >= 60_000 && ms % 60_000 === 0) return unit(ms / 60_000, 'minute')
  if (ms < 120_000) return unit(Math.max(1, Math.floor(ms / 1000)), 'second')
  return unit(Math.floor(ms / 60_000), 'minute')
}

/** The kit's default magic-code message: plain and short, every value HTML-escaped. */
export const defaultMagicCodeTemplate: MagicCodeTemplate = ({ code, appName, expiresIn }) => {
  const subject = `Your sign-in code for ${appName}`
  const text = [
    `Your sign-in code for ${appName} is:`,
    '',
    code,
    '',
    `It expires in ${expiresIn}. If you did not ask for it, you can ignore this email.`,
    '',
  ].join('\n')
  const html = [
    '<!doctype html>',
    '<html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>Your sign-in code for ${escapeHtml(appName)} is:</p>`,
    `<p style="font-size: 28px; font-weight: bold; letter-spacing: 4px">${escapeHtml(code)}</p>`,
    `<p>It expires in ${escapeHtml(expiresIn)}. If you did not ask for it, you can ignore this email.</p>`,
    '</body></html>',
  ].join('\n')
  return { subject, text, html }
}

/** Turns `{ email, code }` into a full message; see {@link magicCodeMessageBuilder}. */
export type MagicCodeMessageBuilder = (input: MagicCodeEmail) => EmailMessage

/**
 * Validates the options once and returns a function that builds the magic-code message.
 * `optionName` (where `options` sits, e.g. `'magicCode'`) and `factory` (the function the caller
 * called) only shape the error messages.
 *
 * @example
 * ```ts
 * const build = magicCodeMessageBuilder({ appName: 'Acme', expiryMinutes: 15 })
 * build({ email: 'ada@example.com', code: '123456' }) // { to, subject, text, html, code }
 * ```
 */
export function magicCodeMessageBuilder(
  options: MagicCodeMessageOptions = {},
  optionName = 'options',
  factory = 'magicCodeMessageBuilder',
): MagicCodeMessageBuilder {
  const nested = (key: string): string => (optionName === 'options' ? key : `${optionName}.${key}`)
  if (typeof options !== 'object' || options === null) {
    throw optionError(
      factory,
      optionName,
      'be an object like { appName, expiryMinutes, template }',
      options,
    )
  }
  const { appName = DEFAULT_APP_NAME } = options
  const template = options.template ?? defaultMagicCodeTemplate
  if (typeof appName !== 'string' || appName.trim() === '') {
    throw optionError(factory, nested('appName'), 'be a non-empty string', appName)
  }
  const expiryMinutes = resolveNumber(options.expiryMinutes, {
    factory,
    option: nested('expiryMinutes'),
    default: DEFAULT_CODE_EXPIRY_MINUTES,
    unit: 'minutes',
  })
  if (typeof template !== 'function') {
    throw optionError(
      factory,
      nested('template'),
      'be a function ({ email, code, ... }) => ({ subject, text, html })',
      template,
    )
  }
  return function buildMagicCodeMessage({ email, code, expiresInMs }) {
    const validMs =
      typeof expiresInMs === 'number' && Number.isFinite(expiresInMs) && expiresInMs > 0
        ? expiresInMs
        : expiryMinutes * 60_000
    const { subject, text, html } = template({
      email,
      code,
      appName,
      expiryMinutes: validMs / 60_000,
      expiresIn: durationInWords(validMs),
    })
    return { to: email, subject, text, html, code }
  }
}

/** True when `message` is already a full message rather than `{ email, code }`. */
export function isEmailMessage(message: EmailMessage | MagicCodeEmail): message is EmailMessage {
  return typeof (message as EmailMessage).to === 'string'
}
