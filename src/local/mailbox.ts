/** The development mailbox: where Local Instant "delivers" magic-code emails. */

/** One delivered magic-code email. */
export interface MailboxMessage {
  email: string
  code: string
  /** ms since epoch */
  sentAt: number
}

/** Read access to the delivered magic codes, newest last. */
export interface Mailbox {
  /** Every delivered message, oldest first (a copy). */
  list(): MailboxMessage[]
  /** The most recent code sent to `email` (trimmed and lower-cased before matching). */
  lastCodeFor(email: string): string | undefined
  /** Forgets every message. */
  clear(): void
}

interface MailboxWriter extends Mailbox {
  deliver(message: MailboxMessage): void
}

/** Keeps at most `capacity` messages (oldest dropped first). */
export function createMailbox(capacity = 1000): MailboxWriter {
  const messages: MailboxMessage[] = []
  return {
    deliver(message) {
      messages.push(message)
      if (messages.length > capacity) messages.shift()
    },
    list: () => messages.map((m) => ({ ...m })),
    lastCodeFor(email) {
      const wanted = email.trim().toLowerCase()
      for (let i = messages.length - 1; i >= 0; i--) {
        const m = messages[i] as MailboxMessage
        if (m.email === wanted) return m.code
      }
      return undefined
    },
    clear() {
      messages.length = 0
    },
  }
}
