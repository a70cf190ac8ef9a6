/**
 * `postmarkEmail()`: sends through Postmark's HTTP API (`POST /email`), no SDK.
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

/** Postmark's API, the default `baseUrl`. */
export const POSTMARK_BASE_URL = 'https://api.postmarkapp.com'

/** The Postmark message stream used unless `messageStream` says otherwise. */
export const DEFAULT_POSTMARK_MESSAGE_STREAM = 'outbound'

/** Options of {@link postmarkEmail}. */
export interface PostmarkEmailOptions extends HttpEmailProviderOptions {
  /** The Postmark server API token. Required. */
  serverToken: string
  /** A confirmed sender signature or an address on a verified domain. Required. */
  from: string
  /** The transactional message stream. Default `'outbound'`. */
  messageStream?: string
}

/** Every key {@link postmarkEmail} accepts; anything else throws. */
const POSTMARK_EMAIL_OPTIONS = {
  ...HTTP_EMAIL_PROVIDER_OPTIONS,
  serverToken: true,
  from: true,
  messageStream: true,
} as const satisfies OptionKeys<PostmarkEmailOptions>

/**
 * An email provider on Postmark (`POST https://api.postmarkapp.com/email`,
 * `X-Postmark-Server-Token`). Accepts a full message or `{ email, code }`.
 *
 * Defaults: `baseUrl` {@link POSTMARK_BASE_URL}, `messageStream` `'outbound'`, `timeoutMs` 10 000.
 *
 * @example
 * ```ts
 * const sendEmail = postmarkEmail({ serverToken: process.env.POSTMARK_TOKEN!, from: 'login@acme.com' })
 * app.use(magicCodeRouter({ db, sendEmail }))
 * ```
 */
export function postmarkEmail(options: PostmarkEmailOptions): EmailProvider {
  checkOptionKeys(options, POSTMARK_EMAIL_OPTIONS, 'postmarkEmail')
  const serverToken = requireString(options, 'serverToken', 'postmarkEmail')
  const from = requireString(options, 'from', 'postmarkEmail')
  const messageStream =
    options.messageStream === undefined
      ? DEFAULT_POSTMARK_MESSAGE_STREAM
      : requireString(options, 'messageStream', 'postmarkEmail')
  const post = httpEmailClient(options, {
    provider: 'postmark',
    label: 'Postmark',
    defaultBaseUrl: POSTMARK_BASE_URL,
    path: '/email',
    authHeaders: { 'x-postmark-server-token': serverToken },
    apiKey: serverToken,
  })
  return emailProvider(
    'postmarkEmail',
    ({ to, subject, text, html, code }) =>
      post(
        {
          From: from,
          To: to,
          Subject: subject,
          HtmlBody: html,
          TextBody: text,
          MessageStream: messageStream,
        },
        code,
      ),
    { magicCode: options.magicCode },
  )
}
