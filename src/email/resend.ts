/**
 * `resendEmail()`: sends through Resend's HTTP API (`POST /emails`), no SDK.
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

/** Resend's API, the default `baseUrl`. */
export const RESEND_BASE_URL = 'https://api.resend.com'

/** Options of {@link resendEmail}. */
export interface ResendEmailOptions extends HttpEmailProviderOptions {
  /** A Resend API key with sending access (`re_…`). Required. */
  apiKey: string
  /** The sender, on a domain verified in Resend, e.g. `'Acme <login@acme.com>'`. Required. */
  from: string
}

/** Every key {@link resendEmail} accepts; anything else throws. */
const RESEND_EMAIL_OPTIONS = {
  ...HTTP_EMAIL_PROVIDER_OPTIONS,
  apiKey: true,
  from: true,
} as const satisfies OptionKeys<ResendEmailOptions>

/**
 * An email provider on Resend (`POST https://api.resend.com/emails`, `Authorization: Bearer`).
 * Accepts a full message or `{ email, code }`, so it is a ready `sendEmail` for `magicCodeRouter`.
 *
 * Defaults: `baseUrl` {@link RESEND_BASE_URL}, `timeoutMs` 10 000, undici's global dispatcher.
 *
 * @example
 * ```ts
 * app.use(magicCodeRouter({
 *   db,
 *   sendEmail: resendEmail({ apiKey: process.env.RESEND_API_KEY!, from: 'Acme <login@acme.com>' }),
 * }))
 * ```
 */
export function resendEmail(options: ResendEmailOptions): EmailProvider {
  checkOptionKeys(options, RESEND_EMAIL_OPTIONS, 'resendEmail')
  const apiKey = requireString(options, 'apiKey', 'resendEmail')
  const from = requireString(options, 'from', 'resendEmail')
  const post = httpEmailClient(options, {
    provider: 'resend',
    label: 'Resend',
    defaultBaseUrl: RESEND_BASE_URL,
    path: '/emails',
    authHeaders: { authorization: `Bearer ${apiKey}` },
    apiKey,
  })
  return emailProvider(
    'resendEmail',
    ({ to, subject, text, html, code }) => post({ from, to: [to], subject, html, text }, code),
    { magicCode: options.magicCode },
  )
}
