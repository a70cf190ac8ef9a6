/**
 * Refresh tokens: minted as random UUIDs, stored only as sha256, looked up on the verify hot
 * path through a per-token-hash cache that every write to users or tokens empties.
 */
import { randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import { sha256Hex } from './hash.js'
import type { DbUser, UserRow } from '../users.js'
import type { UserRecords } from './user-records.js'

/** Upper bound on cached verify answers; the cache is simply emptied when it is reached. */
const VERIFY_CACHE_MAX = 10_000

export type UserWithToken = DbUser & { refresh_token: string }

export interface Tokens {
  userByRefreshToken(token: string): DbUser | undefined
  verifyResponseJson(token: string): string | undefined
  invalidate(): void
  /** A new token for the user, returned with the user's current row. */
  withToken(userId: string): UserWithToken
  /** `POST /admin/refresh_tokens`: a token for the user with this email or id, created if new. */
  createToken(input: { email?: string; id?: string; extraFields?: unknown }): {
    user: UserWithToken
    created: boolean
  }
  signOutToken(token: string): void
  signOutUser(userId: string): void
}

export function createTokens(db: Database, users: UserRecords, now: () => number): Tokens {
  const st = {
    insert: db.prepare('INSERT INTO refresh_tokens (hash, user_id, created_at) VALUES (?, ?, ?)'),
    delete: db.prepare('DELETE FROM refresh_tokens WHERE hash = ?'),
    deleteOfUser: db.prepare('DELETE FROM refresh_tokens WHERE user_id = ?'),
  }
  /** token hash → the user's JSON without its closing brace. */
  const verifyCache = new Map<string, string>()
  const invalidate = (): void => verifyCache.clear()

  function withToken(userId: string): UserWithToken {
    invalidate()
    const token = randomUUID()
    st.insert.run(sha256Hex(token), userId, now())
    const user = users.toDbUser(users.byId(userId) as UserRow)
    return Object.assign(user, { refresh_token: token })
  }

  return {
    userByRefreshToken(token) {
      const r = users.byTokenHash(sha256Hex(token))
      return r === undefined ? undefined : users.toDbUser(r)
    },
    verifyResponseJson(token) {
      const hash = sha256Hex(token)
      let open = verifyCache.get(hash)
      if (open === undefined) {
        const r = users.byTokenHash(hash)
        if (r === undefined) return undefined
        open = JSON.stringify(users.toDbUser(r)).slice(0, -1)
        if (verifyCache.size >= VERIFY_CACHE_MAX) verifyCache.clear()
        verifyCache.set(hash, open)
      }
      // `token` is a canonical UUID: nothing in it needs JSON escaping.
      return `{"user":${open},"refresh_token":"${token}"}}`
    },
    invalidate,
    withToken,
    createToken: db.transaction((input: { email?: string; id?: string; extraFields?: unknown }) => {
      const existing =
        input.email !== undefined
          ? users.byEmail(input.email)
          : input.id !== undefined
            ? users.byId(input.id)
            : undefined
      let userId: string
      if (existing !== undefined) {
        userId = existing.id
      } else {
        const extra = users.checkExtraFields(input.extraFields)
        userId = input.id ?? randomUUID()
        users.create(userId, input.email ?? null, null, extra)
      }
      return { user: withToken(userId), created: existing === undefined }
    }),
    signOutToken(token) {
      invalidate()
      st.delete.run(sha256Hex(token))
    },
    signOutUser(userId) {
      invalidate()
      st.deleteOfUser.run(userId)
    },
  }
}
