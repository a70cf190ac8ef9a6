/**
 * `instant-express-auth/email`: email providers for `magicCodeRouter({ sendEmail })`.
 *
 * Every provider is a function taking a full message `{ to, subject, text, html }` or
 * `{ email, code }` (for which it builds the magic-code message), so it can be passed to
 * `magicCodeRouter` as is:
 *
 * @example
 * ```ts
 * import { resendEmail } from 'instant-express-auth/email'
 * app.use(magicCodeRouter({ db, sendEmail: resendEmail({ apiKey, from: 'Acme <login@acme.com>' }) }))
 * ```
 */
export {
  defaultMagicCodeTemplate,
  durationInWords,
  escapeHtml,
  magicCodeMessageBuilder,
} from './message.js'
export type {
  EmailMessage,
  EmailProvider,
  MagicCodeEmail,
  MagicCodeMessageBuilder,
  MagicCodeMessageOptions,
  MagicCodeTemplate,
  MagicCodeTemplateInput,
} from './message.js'
export { defineEmailProvider, magicCodeSender } from './provider.js'
export type { EmailProviderOptions } from './provider.js'
export { EmailProviderError, isEmailProviderError } from './errors.js'
export type { EmailErrorCode, EmailProviderErrorOptions } from './errors.js'
export { consoleEmail } from './console.js'
export type { ConsoleEmailOptions, EmailLogger } from './console.js'
export { memoryEmail } from './memory.js'
export type { MemoryEmailOptions, MemoryEmailProvider } from './memory.js'
export { smtpEmail, SMTP_EMAIL_INSTALL } from './smtp.js'
export type {
  SmtpEmailOptions,
  SmtpEmailProvider,
  SmtpTransporter,
  SmtpTransportOptions,
} from './smtp.js'
export type { HttpEmailProviderOptions } from './http-provider.js'
export { resendEmail, RESEND_BASE_URL } from './resend.js'
export type { ResendEmailOptions } from './resend.js'
export { postmarkEmail, POSTMARK_BASE_URL } from './postmark.js'
export type { PostmarkEmailOptions } from './postmark.js'
export { sendgridEmail, SENDGRID_BASE_URL } from './sendgrid.js'
export type { SendgridEmailOptions } from './sendgrid.js'
export { failover } from './failover.js'
export type { FailoverOptions } from './failover.js'
