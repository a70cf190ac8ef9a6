/**
 * Turning a "send this full message" function into an {@link EmailProvider} that also accepts
 * `magicCodeRouter`'s `{ email, code }`, and wrapping a provider with a custom message.
 */
import { optionError } from '../options/option-error.js'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'
import {
  MAGIC_CODE_MESSAGE_OPTIONS,
  isEmailMessage,
  magicCodeMessageBuilder,
  type EmailMessage,
  type EmailProvider,
  type MagicCodeEmail,
  type MagicCodeMessageOptions,
} from './message.js'

/** Options every provider of the kit shares. */
export interface EmailProviderOptions {
  /**
   * How the message reads when the provider is called with `{ email, code }` (as
   * `magicCodeRouter` does). Default: the kit's message, app name `'your app'`, 10 minutes.
   */
  magicCode?: MagicCodeMessageOptions
}

/** The keys of {@link EmailProviderOptions}; each provider's list spreads it. */
export const EMAIL_PROVIDER_OPTIONS = {
  magicCode: MAGIC_CODE_MESSAGE_OPTIONS,
} as const satisfies OptionKeys<EmailProviderOptions>

/**
 * Makes an {@link EmailProvider} from a function that sends one full message. The provider
 * accepts a full message or `{ email, code }`, for which it builds the magic-code message.
 * Use it to plug in a provider the kit does not ship (SES, Mailgun, your own API).
 *
 * @example
 * ```ts
 * const sesEmail = defineEmailProvider(
 *   async ({ to, subject, text, html }) => { await ses.send(toSesCommand(to, subject, text, html)) },
 *   { magicCode: { appName: 'Acme' } },
 * )
 * app.use(magicCodeRouter({ db, sendEmail: sesEmail }))
 * ```
 */
export function defineEmailProvider(
  send: (message: EmailMessage) => Promise<void>,
  options: EmailProviderOptions = {},
): EmailProvider {
  if (typeof send !== 'function') {
    throw optionError(
      'defineEmailProvider',
      'send',
      'be a function (message) => Promise<void>',
      send,
    )
  }
  if (typeof options !== 'object' || options === null) {
    throw optionError('defineEmailProvider', 'options', 'be an object', options)
  }
  checkOptionKeys(options, EMAIL_PROVIDER_OPTIONS, 'defineEmailProvider')
  return emailProvider('defineEmailProvider', send, options)
}

/**
 * {@link defineEmailProvider} for the kit's own providers, whose options were checked already:
 * `factory` is the provider the caller called, for the `magicCode` option's errors.
 */
export function emailProvider(
  factory: string,
  send: (message: EmailMessage) => Promise<void>,
  options: EmailProviderOptions,
): EmailProvider {
  const buildMessage = magicCodeMessageBuilder(options.magicCode, 'magicCode', factory)
  return async function sendEmail(message) {
    await send(toEmailMessage(message, buildMessage))
  }
}

function toEmailMessage(
  message: EmailMessage | MagicCodeEmail,
  buildMessage: (input: MagicCodeEmail) => EmailMessage,
): EmailMessage {
  if (typeof message !== 'object' || message === null) {
    throw new TypeError('an email provider takes { to, subject, text, html } or { email, code }')
  }
  if (isEmailMessage(message)) {
    const { to, subject, text, html } = message
    if (
      to.trim() === '' ||
      typeof subject !== 'string' ||
      typeof text !== 'string' ||
      typeof html !== 'string'
    ) {
      throw new TypeError(
        'an email message needs a non-empty `to` and string `subject`, `text` and `html`',
      )
    }
    return message
  }
  const { email, code, expiresInMs } = message
  if (typeof email !== 'string' || email.trim() === '' || typeof code !== 'string' || code === '') {
    throw new TypeError('an email provider takes { to, subject, text, html } or { email, code }')
  }
  return buildMessage(
    expiresInMs === undefined
      ? { email: email.trim(), code }
      : { email: email.trim(), code, expiresInMs },
  )
}

/**
 * Wraps any provider (or any function taking a full message) into a `sendEmail` for
 * `magicCodeRouter`, with your own wording. The kit's providers already accept `{ email, code }`;
 * use this to change the message of a provider you did not build with `magicCode` options.
 *
 * @example
 * ```ts
 * const sendEmail = magicCodeSender(postmarkEmail({ serverToken, from }), {
 *   appName: 'Acme',
 *   expiryMinutes: 15,
 *   template: ({ code, appName }) => ({ subject: `${appName} code`, text: code, html: `<b>${code}</b>` }),
 * })
 * app.use(magicCodeRouter({ db, sendEmail }))
 * ```
 */
export function magicCodeSender(
  provider: (message: EmailMessage) => Promise<void>,
  options: MagicCodeMessageOptions = {},
): (input: MagicCodeEmail) => Promise<void> {
  if (typeof provider !== 'function') {
    throw optionError('magicCodeSender', 'provider', 'be an email provider function', provider)
  }
  checkOptionKeys(options, MAGIC_CODE_MESSAGE_OPTIONS, 'magicCodeSender')
  const buildMessage = magicCodeMessageBuilder(options, 'options', 'magicCodeSender')
  return async function sendMagicCode(input) {
    await provider(toEmailMessage(input, buildMessage))
  }
}
