/**
 * The auth side of Local Instant: users, refresh tokens, magic codes and guests, on the SQLite
 * tables of store.ts. Mirrors Instant's models (`app_user*.clj`, `magic_code_auth.clj`); the HTTP
 * layer (server.ts) only reads parameters and calls these functions.
 */
import * as nodeCrypto from 'node:crypto'
import { createHash, randomInt, randomUUID } from 'node:crypto'
import type { Database, Statement } from 'better-sqlite3'
import type { DataEngine, DbUser } from './data/index.js'
import { LocalInstantError, recordExpired, recordNotFound, validationFailed } from './errors.js'
import { createFixedWindowLimiter } from './rate-limit.js'
import { toDbUser, type UserRow } from './users.js'

/** Instant's flag default `magic-code-rate-limit-per-hour`. */
export const DEFAULT_MAGIC_CODE_SENDS_PER_HOUR = 20
/** Instant uses the same bucket size for verification attempts per email. */
export const DEFAULT_MAGIC_CODE_VERIFIES_PER_HOUR = 20
/**
 * How long a magic code verifies: 10 minutes. Instant's flag default is 24 h; Local Instant
 * keeps the kit's bound, because its runtime route accepts codes from any guest.
 */
export const DEFAULT_MAGIC_CODE_EXPIRY_MINUTES = 10
/** Wrong guesses that burn an email's live code (a new one must be requested). */
export const DEFAULT_MAGIC_CODE_ATTEMPTS = 5
/**
 * Verification attempts per email per day. With one live code of 10^6 possibilities, a guesser
 * wins with probability ≤ 50 / 10^6 a day, ≤ 0.035% in a week.
 */
export const DEFAULT_MAGIC_CODE_VERIFIES_PER_DAY = 50
/** Runtime guest sign-ins per client IP per hour (each creates a user row). */
export const DEFAULT_GUEST_SIGN_INS_PER_HOUR = 300
const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
/** Expired codes are kept this long so that using one answers record-expired, not not-found. */
const EXPIRED_CODE_GRACE_MS = 24 * HOUR_MS

export interface AuthOptions {
  appId: string
  magicCodeExpiryMinutes: number
  sendsPerHour: number
  verifiesPerHour: number
  verifiesPerDay: number
  /** Wrong guesses that burn a live code. */
  codeAttempts: number
  guestSignInsPerHour: number
  /** Cap on keys (emails, IPs) held by each rate limiter. */
  rateLimitMaxKeys: number
  /** The data engine's signup checks: `extra-fields` and the `$users.allow.create` rule. */
  signup: Pick<DataEngine, 'checkUserFields' | 'checkSignup'>
  /** Delivers a magic code (mailbox + log line). */
  deliver(email: string, code: string): void
  /** Deletes a user through the data engine: its row, its links and what they cascade to. */
  deleteUser(userId: string): void
  now?: () => number
}

export type UserWithToken = DbUser & { refresh_token: string }

export interface Auth {
  readonly appId: string
  /** Lookup by the sha256 of a refresh token. */
  userByRefreshToken(token: string): DbUser | undefined
  /**
   * The JSON body `{"user": {..., "refresh_token"}}` of `verify_refresh_token` for a canonical
   * UUID token, or undefined when the token is unknown. The hot path: answers are cached per
   * token hash and the cache is emptied on every write that can change a user or a token.
   */
  verifyResponseJson(token: string): string | undefined
  /** Empties the verify cache; called after writes made outside this module (transact). */
  invalidate(): void
  userByEmail(email: string): DbUser | undefined
  userById(id: string): DbUser | undefined
  createToken(input: { email?: string; id?: string; extraFields?: unknown }): {
    user: UserWithToken
    created: boolean
  }
  generateMagicCode(email: string): string
  sendMagicCode(email: string): string
  verifyMagicCode(input: {
    email: string
    code: string
    guestRefreshToken?: string
    extraFields?: unknown
    admin: boolean
  }): { user: UserWithToken; created: boolean }
  /** `clientIp` (runtime route only) is rate-limited; admin calls are not. */
  signInGuest(extraFields: unknown, admin: boolean, clientIp?: string): UserWithToken
  signOutToken(token: string): void
  signOutUser(userId: string): void
  deleteUser(userId: string): DbUser | null
}

/** One-shot `crypto.hash` (Node ≥ 20.12) is markedly cheaper than createHash on the hot path. */
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: string, enc: 'hex') => string })
  .hash

/** sha256 hex, the only form in which tokens and codes are stored. */
export function sha256Hex(value: string): string {
  return oneShotHash !== undefined
    ? oneShotHash('sha256', value, 'hex')
    : createHash('sha256').update(value).digest('hex')
}

/** Upper bound on cached verify answers; the cache is simply emptied when it is reached. */
const VERIFY_CACHE_MAX = 10_000

/** Six random decimal digits (Instant draws from 0–8 only; we use the full 0–9). */
function randomCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0')
}

function rateLimited(
  message = 'Too many verification codes requested for this email. Please try again later.',
): LocalInstantError {
  return new LocalInstantError(429, 'rate-limited', message)
}

/** Builds the auth service; every statement is prepared here, once. */
export function createAuth(db: Database, options: AuthOptions): Auth {
  const { appId } = options
  const now = options.now ?? (() => Date.now())
  const expiryMs = options.magicCodeExpiryMinutes * 60_000
  const maxKeys = options.rateLimitMaxKeys
  const sendLimiter = createFixedWindowLimiter(options.sendsPerHour, HOUR_MS, maxKeys)
  const verifyLimiter = createFixedWindowLimiter(options.verifiesPerHour, HOUR_MS, maxKeys)
  const verifyDailyLimiter = createFixedWindowLimiter(options.verifiesPerDay, DAY_MS, maxKeys)
  const guestLimiter = createFixedWindowLimiter(options.guestSignInsPerHour, HOUR_MS, maxKeys)
  /** Wrong guesses against each email's live code; in memory (a restart resets them). */
  const wrongGuesses = new Map<string, { codeId: number; count: number }>()

  const st = {
    userById: db.prepare('SELECT * FROM users WHERE id = ?'),
    userByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
    userByTokenHash: db.prepare(
      'SELECT u.* FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?',
    ),
    insertUser: db.prepare(
      'INSERT INTO users (id, email, type, created_at, extra) VALUES (?, ?, ?, ?, ?)',
    ),
    upgradeUser: db.prepare('UPDATE users SET email = ?, type = ?, extra = ? WHERE id = ?'),
    setExtra: db.prepare('UPDATE users SET extra = ? WHERE id = ?'),
    insertToken: db.prepare(
      'INSERT INTO refresh_tokens (hash, user_id, created_at) VALUES (?, ?, ?)',
    ),
    deleteToken: db.prepare('DELETE FROM refresh_tokens WHERE hash = ?'),
    deleteTokensOfUser: db.prepare('DELETE FROM refresh_tokens WHERE user_id = ?'),
    insertCode: db.prepare(
      'INSERT INTO magic_codes (email, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?)',
    ),
    findCode: db.prepare(
      'SELECT id, expires_at FROM magic_codes WHERE email = ? AND code_hash = ? ORDER BY expires_at DESC LIMIT 1',
    ),
    deleteCode: db.prepare('DELETE FROM magic_codes WHERE id = ?'),
    deleteCodesOfEmail: db.prepare('DELETE FROM magic_codes WHERE email = ?'),
    liveCode: db.prepare(
      'SELECT id FROM magic_codes WHERE email = ? AND expires_at >= ? ORDER BY id DESC LIMIT 1',
    ),
    purgeCodes: db.prepare('DELETE FROM magic_codes WHERE expires_at < ?'),
  }

  const row = (stmt: Statement<unknown[]>, arg: string): UserRow | undefined =>
    stmt.get(arg) as UserRow | undefined
  const dbUser = (r: UserRow | undefined): DbUser | undefined =>
    r === undefined ? undefined : toDbUser(r, appId)

  /** token hash → the user's JSON without its closing brace. */
  const verifyCache = new Map<string, string>()
  const invalidate = (): void => verifyCache.clear()

  function mintToken(userId: string): string {
    invalidate()
    const token = randomUUID()
    st.insertToken.run(sha256Hex(token), userId, now())
    return token
  }

  function withToken(userId: string): UserWithToken {
    const token = mintToken(userId)
    const user = toDbUser(row(st.userById, userId) as UserRow, appId)
    return Object.assign(user, { refresh_token: token })
  }

  /** `extra-fields`: an object whose keys are custom `$users` attributes (data engine checks). */
  function checkExtraFields(extraFields: unknown): Record<string, unknown> {
    if (extraFields === undefined || extraFields === null) return {}
    if (typeof extraFields !== 'object' || Array.isArray(extraFields)) {
      throw validationFailed('extra-fields', extraFields, [
        { message: 'extra-fields must be an object' },
      ])
    }
    const fields = extraFields as Record<string, unknown>
    options.signup.checkUserFields(fields)
    return fields
  }

  /** `assert-signup!`: fields always, the `$users` create rule unless `admin`. */
  function checkSignup(
    user: { id: string; email?: string },
    extraFields: unknown,
    admin: boolean,
  ): Record<string, unknown> {
    const extra = checkExtraFields(extraFields)
    const hasExtra = Object.keys(extra).length > 0
    if (!admin) options.signup.checkSignup({ ...user, ...extra, id: user.id }, hasExtra)
    return extra
  }

  function createUser(
    id: string,
    email: string | null,
    type: string | null,
    extra: Record<string, unknown>,
  ): void {
    st.insertUser.run(id, email, type, now(), JSON.stringify(extra))
  }

  function consumeCode(email: string, code: string): void {
    const args = [{ 'app-id': appId, code, email }]
    const found = st.findCode.get(email, sha256Hex(code)) as
      { id: number; expires_at: number } | undefined
    if (found === undefined) {
      countWrongGuess(email)
      throw recordNotFound('app-user-magic-code', args)
    }
    wrongGuesses.delete(email)
    st.deleteCode.run(found.id)
    if (found.expires_at < now()) throw recordExpired('app-user-magic-code', args)
  }

  /** A wrong guess counts against the email's live code; enough of them burn it. */
  function countWrongGuess(email: string): void {
    const live = st.liveCode.get(email, now()) as { id: number } | undefined
    if (live === undefined) return
    let entry = wrongGuesses.get(email)
    if (entry === undefined || entry.codeId !== live.id) {
      // Bounded like the limiters: the oldest counter goes first (the daily limit still holds).
      if (wrongGuesses.size >= maxKeys)
        wrongGuesses.delete(wrongGuesses.keys().next().value as string)
      entry = { codeId: live.id, count: 0 }
      wrongGuesses.set(email, entry)
    }
    entry.count++
    if (entry.count >= options.codeAttempts) {
      st.deleteCode.run(live.id)
      wrongGuesses.delete(email)
    }
  }

  const verifyTx = db.transaction(
    (
      email: string,
      guest: DbUser | undefined,
      extra: Record<string, unknown>,
      newUserId: string,
    ): { user: UserWithToken; created: boolean } => {
      const existing = row(st.userByEmail, email)
      let userId: string
      if (existing !== undefined) {
        userId = existing.id
        if (guest !== undefined && guest.id !== userId) {
          const guestRow = row(st.userById, guest.id) as UserRow
          const guestExtra = JSON.parse(guestRow.extra) as Record<string, unknown>
          st.setExtra.run(JSON.stringify({ ...guestExtra, linkedPrimaryUser: userId }), guest.id)
        }
      } else if (guest !== undefined) {
        // Upgrade: the guest keeps its id (and created_at) and becomes a real user.
        userId = guest.id
        const guestRow = row(st.userById, guest.id) as UserRow
        const guestExtra = JSON.parse(guestRow.extra) as Record<string, unknown>
        st.upgradeUser.run(email, 'user', JSON.stringify({ ...guestExtra, ...extra }), userId)
      } else {
        userId = newUserId
        createUser(userId, email, 'user', extra)
      }
      return { user: withToken(userId), created: existing === undefined }
    },
  )

  return {
    appId,
    userByRefreshToken(token) {
      const r = st.userByTokenHash.get(sha256Hex(token)) as UserRow | undefined
      return r === undefined ? undefined : toDbUser(r, appId)
    },
    verifyResponseJson(token) {
      const hash = sha256Hex(token)
      let open = verifyCache.get(hash)
      if (open === undefined) {
        const r = st.userByTokenHash.get(hash) as UserRow | undefined
        if (r === undefined) return undefined
        open = JSON.stringify(toDbUser(r, appId)).slice(0, -1)
        if (verifyCache.size >= VERIFY_CACHE_MAX) verifyCache.clear()
        verifyCache.set(hash, open)
      }
      // `token` is a canonical UUID: nothing in it needs JSON escaping.
      return `{"user":${open},"refresh_token":"${token}"}}`
    },
    invalidate,
    userByEmail: (email) => dbUser(row(st.userByEmail, email)),
    userById: (id) => dbUser(row(st.userById, id)),

    createToken: db.transaction((input: { email?: string; id?: string; extraFields?: unknown }) => {
      const existing =
        input.email !== undefined
          ? row(st.userByEmail, input.email)
          : input.id !== undefined
            ? row(st.userById, input.id)
            : undefined
      let userId: string
      if (existing !== undefined) {
        userId = existing.id
      } else {
        const extra = checkExtraFields(input.extraFields)
        userId = input.id ?? randomUUID()
        createUser(userId, input.email ?? null, null, extra)
      }
      return { user: withToken(userId), created: existing === undefined }
    }),

    generateMagicCode(email) {
      const code = randomCode()
      const t = now()
      st.purgeCodes.run(t - EXPIRED_CODE_GRACE_MS)
      // Only the latest code verifies: every send does not add one more code to guess.
      st.deleteCodesOfEmail.run(email)
      wrongGuesses.delete(email)
      st.insertCode.run(email, sha256Hex(code), t, t + expiryMs)
      return code
    },

    sendMagicCode(email) {
      if (!sendLimiter.tryConsume(email, now())) throw rateLimited()
      const code = this.generateMagicCode(email)
      options.deliver(email, code)
      return code
    },

    verifyMagicCode({ email, code, guestRefreshToken, extraFields, admin }) {
      let guest: DbUser | undefined
      if (guestRefreshToken !== undefined) {
        const user = this.userByRefreshToken(guestRefreshToken)
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
      if (row(st.userByEmail, email) === undefined) {
        // Before the code is consumed, so a refused signup does not burn it.
        extra = checkSignup({ id: newUserId, email }, extraFields, admin)
      }
      // Outside the transaction: an expired code is consumed even though verification fails.
      consumeCode(email, code)
      return verifyTx(email, guest, extra, newUserId)
    },

    signInGuest(extraFields, admin, clientIp) {
      if (!admin && !guestLimiter.tryConsume(clientIp ?? '', now())) {
        throw rateLimited('Too many guest sign-ins from this address. Please try again later.')
      }
      const id = randomUUID()
      const extra = checkSignup({ id }, extraFields, admin)
      return db.transaction(() => {
        createUser(id, null, 'guest', extra)
        return withToken(id)
      })()
    },

    signOutToken(token) {
      invalidate()
      st.deleteToken.run(sha256Hex(token))
    },
    signOutUser(userId) {
      invalidate()
      st.deleteTokensOfUser.run(userId)
    },

    deleteUser(userId) {
      const r = row(st.userById, userId)
      if (r === undefined) return null
      const deleted = toDbUser(r, appId)
      invalidate()
      // The data engine drops the user's links and cascades (linked guests go with it).
      options.deleteUser(userId)
      return deleted
    },
  }
}
