/**
 * `consoleEmail()`: the development provider. It sends nothing and prints the code instead.
 */
import { optionError } from '../options/option-error.js'
import type { Logger } from '../options/logger.js'
import type { EmailProvider } from './message.js'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'
import { EMAIL_PROVIDER_OPTIONS, emailProvider, type EmailProviderOptions } from './provider.js'

/** Where `consoleEmail` prints; `console` fits, and so does a pino or winston logger. */
export type EmailLogger = Pick<Logger, 'info' | 'warn'>

/** Options of {@link consoleEmail}. */
export interface ConsoleEmailOptions extends EmailProviderOptions {
  /** Where to print. Default `console`. */
  logger?: EmailLogger
}

/** Every key {@link consoleEmail} accepts; anything else throws. */
const CONSOLE_EMAIL_OPTIONS = {
  ...EMAIL_PROVIDER_OPTIONS,
  logger: true,
} as const satisfies OptionKeys<ConsoleEmailOptions>

/**
 * A provider for development: prints each magic code (or, for other messages, the subject and
 * text) to a logger instead of sending it. It prints secrets by design, so it warns once when
 * created with `NODE_ENV=production`.
 *
 * @example
 * ```ts
 * app.use(magicCodeRouter({ db, sendEmail: consoleEmail() }))
 * // [instant-express-auth] magic code for ada@example.com: 123456
 * ```
 */
export function consoleEmail(options: ConsoleEmailOptions = {}): EmailProvider {
  if (typeof options !== 'object' || options === null) {
    throw optionError('consoleEmail', 'options', 'be an object', options)
  }
  checkOptionKeys(options, CONSOLE_EMAIL_OPTIONS, 'consoleEmail')
  const logger = options.logger ?? console
  if (typeof logger?.info !== 'function' || typeof logger.warn !== 'function') {
    throw optionError('consoleEmail', 'logger', 'have info(message) and warn(message)', logger)
  }
  if (process.env.NODE_ENV === 'production') {
    logger.warn(
      '[instant-express-auth] consoleEmail() prints sign-in codes instead of sending them; use a real provider in production',
    )
  }
  return emailProvider(
    'consoleEmail',
    async ({ to, subject, text, code }) => {
      logger.info(
        code === undefined
          ? `[instant-express-auth] email to ${to}: ${subject}\n${text}`
          : `[instant-express-auth] magic code for ${to}: ${code}`,
      )
    },
    { magicCode: options.magicCode },
  )
}
