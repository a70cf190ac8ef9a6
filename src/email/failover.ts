/**
 * `failover([...])`: tries providers in order until one accepts the message.
 */
import { optionError } from '../options/option-error.js'
import { EmailProviderError, isEmailProviderError, type EmailErrorCode } from './errors.js'
import type { EmailMessage, EmailProvider, MagicCodeEmail } from './message.js'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'

/** Options of {@link failover}. */
export interface FailoverOptions {
  /**
   * Called when a provider fails and the next one is about to be tried, e.g. to log it.
   * Not called for the last provider: its failure rejects the whole send.
   */
  onFailover?: (error: unknown, index: number) => void
}

/** Every key {@link failover} accepts; anything else throws. */
const FAILOVER_OPTIONS = { onFailover: true } as const satisfies OptionKeys<FailoverOptions>

/**
 * A provider that tries each provider in order and resolves with the first that accepts the
 * message. Every failure moves on (a rejection by one provider may be its own configuration).
 * When all fail it rejects with an `EmailProviderError` (`provider: 'failover'`) whose `errors`
 * lists each failure in order; its `code` is theirs when they all agree, else `EMAIL_UNAVAILABLE`.
 *
 * @example
 * ```ts
 * const sendEmail = failover([
 *   resendEmail({ apiKey: process.env.RESEND_API_KEY!, from }),
 *   smtpEmail({ transport: process.env.SMTP_URL!, from }),
 * ])
 * ```
 */
export function failover(
  providers: readonly EmailProvider[],
  options: FailoverOptions = {},
): EmailProvider {
  if (!Array.isArray(providers) || providers.length === 0) {
    throw optionError('failover', 'providers', 'be a non-empty array of email providers', providers)
  }
  providers.forEach((provider, index) => {
    if (typeof provider !== 'function') {
      throw optionError(
        'failover',
        `providers[${index}]`,
        'be an email provider function',
        provider,
      )
    }
  })
  const list = [...providers]
  checkOptionKeys(options, FAILOVER_OPTIONS, 'failover')
  const { onFailover } = options
  if (onFailover !== undefined && typeof onFailover !== 'function') {
    throw optionError('failover', 'onFailover', 'be a function (error, index) => void', onFailover)
  }

  return async function sendWithFailover(message: EmailMessage | MagicCodeEmail) {
    const errors: unknown[] = []
    for (const [index, provider] of list.entries()) {
      try {
        await provider(message)
        return
      } catch (err) {
        errors.push(err)
        if (index < list.length - 1) onFailover?.(err, index)
      }
    }
    const code = sharedCode(errors)
    throw new EmailProviderError(code, `All ${list.length} email providers failed`, {
      provider: 'failover',
      errors,
      cause: new AggregateError(errors, 'All email providers failed'),
    })
  }
}

function sharedCode(errors: readonly unknown[]): EmailErrorCode {
  const codes = new Set(errors.map((e) => (isEmailProviderError(e) ? e.code : undefined)))
  const [only] = codes
  return codes.size === 1 && only !== undefined ? only : 'EMAIL_UNAVAILABLE'
}
