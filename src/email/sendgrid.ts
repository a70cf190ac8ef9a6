/**
 * `sendgridEmail()`: sends through SendGrid's v3 Mail Send API (`POST /v3/mail/send`), no SDK.
 */
import type { EmailProvider } from './message.js'
import { emailProvider } from './provider.js'
import {
  HTTP_EMAIL_PROVIDER_OPTIONS,
  httpEmailClient,
  type HttpEmailProviderOptions,
} from './http-provider.js'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'
import { requireString } from './require-string.js'

/** SendGrid's global API, the default `baseUrl`; EU-pinned accounts use `https://api.eu.sendgrid.com`. */
export const SENDGRID_BASE_URL = 'https://api.sendgrid.com'

/** Options of {@link sendgridEmail}. */
export interface SendgridEmailOptions extends HttpEmailProviderOptions {
  /** A SendGrid API key with Mail Send access (`SG.…`). Required. */
  apiKey: string
  /** A verified sender, `'login@acme.com'` or `'Acme <login@acme.com>'`. Required. */
  from: string
}

/** Every key {@link sendgridEmail} accepts; anything else throws. */
const SENDGRID_EMAIL_OPTIONS = {
  ...HTTP_EMAIL_PROVIDER_OPTIONS,
  apiKey: true,
  from: true,
} as const satisfies OptionKeys<SendgridEmailOptions>

/**
 * An email provider on SendGrid (`POST https://api.sendgrid.com/v3/mail/send`,
 * `Authorization: Bearer`, answers 202). Accepts a full message or `{ email, code }`.
 *
 * Defaults: `baseUrl` {@link SENDGRID_BASE_URL}, `timeoutMs` 10 000, undici's global dispatcher.
 *
 * @example
 * ```ts
 * const sendEmail = sendgridEmail({ apiKey: process.env.SENDGRID_API_KEY!, from: 'login@acme.com' })
 * app.use(magicCodeRouter({ db, sendEmail }))
 * ```
 */
export function sendgridEmail(options: SendgridEmailOptions): EmailProvider {
  checkOptionKeys(options, SENDGRID_EMAIL_OPTIONS, 'sendgridEmail')
  const apiKey = requireString(options, 'apiKey', 'sendgridEmail')
  const from = senderOf(requireString(options, 'from', 'sendgridEmail'))
  const post = httpEmailClient(options, {
    provider: 'sendgrid',
    label: 'SendGrid',
    defaultBaseUrl: SENDGRID_BASE_URL,
    path: '/v3/mail/send',
    authHeaders: { authorization: `Bearer ${apiKey}` },
    apiKey,
  })
  return emailProvider(
    'sendgridEmail',
    ({ to, subject, text, html, code }) =>
      post(
        {
          personalizations: [{ to: [{ email: to }] }],
          from,
          subject,
          // SendGrid requires text/plain before text/html.
          content: [
            { type: 'text/plain', value: text },
            { type: 'text/html', value: html },
          ],
        },
        code,
      ),
    { magicCode: options.magicCode },
  )
}

/** SendGrid wants `{ email, name }`; accept the `Name <address>` form the other providers take. */
function senderOf(from: string): { email: string; name?: string } {
  const match = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(from)
  if (!match?.[2]) return { email: from.trim() }
  const name = match[1]?.replace(/^"(.*)"$/, '$1')
  return name ? { email: match[2].trim(), name } : { email: match[2].trim() }
}
