/**
 * The message shapes providers accept, and the default magic-code message.
 */
import type { OptionKeys } from '../core/options.js'

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
  expiryMinutes: number
}

/** Builds the subject and bodies of a magic-code email. */
export type MagicCodeTemplate = (input: MagicCodeTemplateInput) => {
  subject: string
  text: string
  html: string
}

/** How the magic-code message reads. */
export interface MagicCodeMessageOptions {
  /** Your app's name, shown in the subject and body. Default {@link DEFAULT_APP_NAME}. */
  appName?: string
  /**
   * How long the code stays valid, as told to the user. Default
   * {@link DEFAULT_CODE_EXPIRY_MINUTES}. Say no less than your server enforces.
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

/** The kit's default magic-code message: plain and short, every value HTML-escaped. */
export const defaultMagicCodeTemplate: MagicCodeTemplate = ({ code, appName, expiryMinutes }) => {
  const minutes = expiryMinutes === 1 ? '1 minute' : `${expiryMinutes} minutes`
  const subject = `Your sign-in code for ${appName}`
  const text = [
    `Your sign-in code for ${appName} is:`,
    '',
    code,
    '',
    `It expires in ${minutes}. If you did not ask for it, you can ignore this email.`,
    '',
  ].join('\n')
  const html = [
    '<!doctype html>',
    '<html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>Your sign-in code for ${escapeHtml(appName)} is:</p>`,
    `<p style="font-size: 28px; font-weight: bold; letter-spacing: 4px">${escapeHtml(code)}</p>`,
    `<p>It expires in ${escapeHtml(minutes)}. If you did not ask for it, you can ignore this email.</p>`,
    '</body></html>',
  ].join('\n')
  return { subject, text, html }
}

/** Turns `{ email, code }` into a full message; see {@link magicCodeMessageBuilder}. */
export type MagicCodeMessageBuilder = (input: MagicCodeEmail) => EmailMessage

/**
 * Validates the options once and returns a function that builds the magic-code message.
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
): MagicCodeMessageBuilder {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${optionName} must be an object like { appName, expiryMinutes, template }`)
  }
  const { appName = DEFAULT_APP_NAME, expiryMinutes = DEFAULT_CODE_EXPIRY_MINUTES } = options
  const template = options.template ?? defaultMagicCodeTemplate
  if (typeof appName !== 'string' || appName.trim() === '') {
    throw new TypeError(`${optionName}.appName must be a non-empty string`)
  }
  if (!Number.isFinite(expiryMinutes) || expiryMinutes <= 0) {
    throw new TypeError(`${optionName}.expiryMinutes must be a positive number of minutes`)
  }
  if (typeof template !== 'function') {
    throw new TypeError(
      `${optionName}.template must be a function ({ email, code, ... }) => ({ subject, text, html })`,
    )
  }
  return function buildMagicCodeMessage({ email, code }) {
    const { subject, text, html } = template({ email, code, appName, expiryMinutes })
    return { to: email, subject, text, html, code }
  }
}

/** True when `message` is already a full message rather than `{ email, code }`. */
export function isEmailMessage(message: EmailMessage | MagicCodeEmail): message is EmailMessage {
  return typeof (message as EmailMessage).to === 'string'
}
