/**
 * Magic codes (Instant's `magic_code_auth.clj`): one live code per email, stored as sha256,
 * sends and verifications rate-limited per email, wrong guesses burning the live code, and the
 * verification that signs a user in (creating, upgrading a guest, or linking one).
 */
import { randomInt, randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { DbUser } from '../users.js'
import { recordExpired, recordNotFound } from '../errors.js'
import { createFixedWindowLimiter } from '../rate-limit.js'
import { sha256Hex } from './hash.js'
import { rateLimited } from './rate-limited.js'
import type { Tokens, UserWithToken } from './tokens.js'
import type { UserRecords } from './user-records.js'

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
/** Expired codes are kept this long so that using one answers record-expired, not not-found. */
const EXPIRED_CODE_GRACE_MS = 24 * HOUR_MS

export interface MagicCodeOptions {
  appId: string
  magicCodeExpiryMinutes: number
  sendsPerHour: number
  verifiesPerHour: number
  verifiesPerDay: number
  /** Wrong guesses that burn a live code. */
  codeAttempts: number
  /** Cap on keys (emails) held by each rate limiter. */
  rateLimitMaxKeys: number
  /**
   * Delivers a magic code (mailbox + log line): `sent` by `send_magic_code`, or `generated` by
   * the admin `magic_code` route, whose caller (the kit's `magicCodeRouter`) emails it itself.
   */
  deliver(email: string, code: string, how: 'sent' | 'generated'): void
  now: () => number
}

export interface MagicCodes {
  generateMagicCode(email: string): string
  sendMagicCode(email: string): string
  verifyMagicCode(input: {
    email: string
    code: string
    guestRefreshToken?: string
    extraFields?: unknown
    admin: boolean
  }): { user: UserWithToken; created: boolean }
}

/** Six random decimal digits (Instant draws from 0–8 only; we use the full 0–9). */
function randomCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0')
}

export function createMagicCodes(
  db: Database,
  users: UserRecords,
  tokens: Tokens,
  options: MagicCodeOptions,
): MagicCodes {
  const { appId, now } = options
  const expiryMs = options.magicCodeExpiryMinutes * 60_000
  const maxKeys = options.rateLimitMaxKeys
  const sendLimiter = createFixedWindowLimiter(options.sendsPerHour, HOUR_MS, maxKeys)
  const verifyLimiter = createFixedWindowLimiter(options.verifiesPerHour, HOUR_MS, maxKeys)
  const verifyDailyLimiter = createFixedWindowLimiter(options.verifiesPerDay, DAY_MS, maxKeys)
  const st = {
    insert: db.prepare(
      'INSERT INTO magic_codes (email, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?)',
    ),
    // The right code is consumed, expired or not: an expired one answers record-expired once.
    take: db.prepare(
      'DELETE FROM magic_codes WHERE email = ? AND code_hash = ? RETURNING expires_at',
    ),
    // Counted on the row, not in memory: no flood of other emails can reset it, nor a restart.
    countWrongGuess: db.prepare(
      'UPDATE magic_codes SET wrong_guesses = wrong_guesses + 1 WHERE email = ? AND expires_at >= ? RETURNING id, wrong_guesses',
    ),
    delete: db.prepare('DELETE FROM magic_codes WHERE id = ?'),
    deleteOfEmail: db.prepare('DELETE FROM magic_codes WHERE email = ?'),
    purge: db.prepare('DELETE FROM magic_codes WHERE expires_at < ?'),
  }

  /**
   * One statement for the right code. A wrong one is a second, the write that counts it against
   * the email's live code (an email has at most one code: each new one replaces the last).
   */
  function consumeCode(email: string, code: string): void {
    const args = [{ 'app-id': appId, code, email }]
    const t = now()
    const taken = st.take.get(email, sha256Hex(code)) as { expires_at: number } | undefined
    if (taken === undefined) {
      const live = st.countWrongGuess.get(email, t) as
        { id: number; wrong_guesses: number } | undefined
      // Enough wrong guesses burn the code: a new one must be requested.
      if (live !== undefined && live.wrong_guesses >= options.codeAttempts) st.delete.run(live.id)
      throw recordNotFound('app-user-magic-code', args)
    }
    if (taken.expires_at < t) throw recordExpired('app-user-magic-code', args)
  }

  const signInTx = db.transaction(
    (
      email: string,
      guest: DbUser | undefined,
      extra: Record<string, unknown>,
      newUserId: string,
    ): { user: UserWithToken; created: boolean } => {
      const existing = users.byEmail(email)
      let userId: string
      if (existing !== undefined) {
        userId = existing.id
        if (guest !== undefined && guest.id !== userId) {
          users.setExtra(guest.id, { ...users.extraOf(guest.id), linkedPrimaryUser: userId })
        }
      } else if (guest !== undefined) {
        userId = guest.id
        users.upgrade(userId, email, { ...users.extraOf(guest.id), ...extra })
      } else {
        userId = newUserId
        users.create(userId, email, 'user', extra)
      }
      return { user: tokens.withToken(userId), created: existing === undefined }
    },
  )

  function generateMagicCode(email: string): string {
    const code = randomCode()
    const t = now()
    st.purge.run(t - EXPIRED_CODE_GRACE_MS)
    // Only the latest code verifies: every send does not add one more code to guess.
    st.deleteOfEmail.run(email)
    st.insert.run(email, sha256Hex(code), t, t + expiryMs)
    return code
  }

  return {
    generateMagicCode(email) {
      const code = generateMagicCode(email)
      // Every code reaches the development mailbox and log, whoever asked for it: the app's own
      // sendEmail may be a placeholder while it is being written.
      options.deliver(email, code, 'generated')
      return code
    },
    sendMagicCode(email) {
      if (!sendLimiter.tryConsume(email, now())) throw rateLimited()
      const code = generateMagicCode(email)
      options.deliver(email, code, 'sent')
      return code
    },
    verifyMagicCode({ email, code, guestRefreshToken, extraFields, admin }) {
      let guest: DbUser | undefined
      if (guestRefreshToken !== undefined) {
        const user = tokens.userByRefreshToken(guestRefreshToken)
        if (user === undefined) {
          throw recordNotFound('app-user', [
            { 'app-id': appId, 'refresh-token': guestRefreshToken },
          ])
        }
        if (user.type === 'guest') guest = user
      }
      const t = now()
      if (!verifyLimiter.tryConsume(email, t) || !verifyDailyLimiter.tryConsume(email, t)) {
        throw rateLimited()
      }
      // A new user gets the guest's id when a guest upgrades; the signup rule sees that id.
      const newUserId = guest?.id ?? randomUUID()
      let extra: Record<string, unknown> = {}
      if (users.byEmail(email) === undefined) {
        // Before the code is consumed, so a refused signup does not burn it.
        extra = users.checkSignup({ id: newUserId, email }, extraFields, admin)
      }
      // Outside the transaction: an expired code is consumed even though verification fails.
      consumeCode(email, code)
      return signInTx(email, guest, extra, newUserId)
    },
  }
}
