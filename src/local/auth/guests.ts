/** Guest sign-in: a user row with no email, rate-limited per client IP on the runtime route. */
import { randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import { createFixedWindowLimiter } from '../rate-limit.js'
import { rateLimited } from './rate-limited.js'
import type { Tokens, UserWithToken } from './tokens.js'
import type { UserRecords } from './user-records.js'

const HOUR_MS = 3_600_000

export function createGuests(
  db: Database,
  users: UserRecords,
  tokens: Tokens,
  options: { guestSignInsPerHour: number; rateLimitMaxKeys: number; now: () => number },
): { signInGuest(extraFields: unknown, admin: boolean, clientIp?: string): UserWithToken } {
  const limiter = createFixedWindowLimiter(
    options.guestSignInsPerHour,
    HOUR_MS,
    options.rateLimitMaxKeys,
  )
  return {
    signInGuest(extraFields, admin, clientIp) {
      if (!admin && !limiter.tryConsume(clientIp ?? '', options.now())) {
        throw rateLimited('Too many guest sign-ins from this address. Please try again later.')
      }
      const id = randomUUID()
      const extra = users.checkSignup({ id }, extraFields, admin)
      return db.transaction(() => {
        users.create(id, null, 'guest', extra)
        return tokens.withToken(id)
      })()
    },
  }
}
