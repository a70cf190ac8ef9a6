/**
 * `memoryEmail()`: the test provider. It keeps every message in memory.
 */
import type { EmailMessage, EmailProvider } from './message.js'
import { checkOptionKeys } from '../options/keys.js'
import { EMAIL_PROVIDER_OPTIONS, emailProvider, type EmailProviderOptions } from './provider.js'

/** A provider that records messages instead of sending them; see {@link memoryEmail}. */
export interface MemoryEmailProvider extends EmailProvider {
  /** Every message accepted so far, oldest first. */
  readonly messages: readonly EmailMessage[]
  /** The code of the latest message to `email` (trimmed, case-insensitive), or `undefined`. */
  lastCodeFor(email: string): string | undefined
  /** Forgets every message. */
  clear(): void
}

/** Options of {@link memoryEmail}. */
export type MemoryEmailOptions = EmailProviderOptions

/**
 * A provider for tests: keeps every message in `.messages` and finds the latest code per address.
 *
 * @example
 * ```ts
 * const mailbox = memoryEmail()
 * app.use(magicCodeRouter({ db, sendEmail: mailbox }))
 * await request(app).post('/custom-send-magic-code').send({ email: 'ada@example.com' })
 * const code = mailbox.lastCodeFor('ada@example.com')
 * ```
 */
export function memoryEmail(options: MemoryEmailOptions = {}): MemoryEmailProvider {
  checkOptionKeys(options, EMAIL_PROVIDER_OPTIONS, 'memoryEmail')
  const messages: EmailMessage[] = []
  const send = emailProvider(
    'memoryEmail',
    async (message) => {
      messages.push({ ...message })
    },
    { magicCode: options.magicCode },
  )
  return Object.assign(send, {
    messages,
    lastCodeFor(email: string): string | undefined {
      const wanted = normalize(email)
      for (let i = messages.length - 1; i >= 0; i--) {
        const message = messages[i]
        if (message && normalize(message.to) === wanted && message.code !== undefined) {
          return message.code
        }
      }
      return undefined
    },
    clear(): void {
      messages.length = 0
    },
  })
}

function normalize(email: string): string {
  return email.trim().toLowerCase()
}
