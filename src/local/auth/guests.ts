/** Guest sign-in: a user row with no email. The runtime route limits it per client IP. */
import { randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { Tokens, UserWithToken } from './tokens.js'
import type { UserRecords } from './user-records.js'

export function createGuests(
  db: Database,
  users: UserRecords,
  tokens: Tokens,
): { signInGuest(extraFields: unknown, admin: boolean): UserWithToken } {
  return {
    signInGuest(extraFields, admin) {
      const id = randomUUID()
      const extra = users.checkSignup({ id }, extraFields, admin)
      return db.transaction(() => {
        users.create(id, null, 'guest', extra)
        return tokens.withToken(id)
      })()
    },
  }
}
