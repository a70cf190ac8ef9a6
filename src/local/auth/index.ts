/**
 * The auth side of Local Instant: users, refresh tokens, magic codes and guests, on the SQLite
 * tables of database.ts. Mirrors Instant's models (`app_user*.clj`, `magic_code_auth.clj`); the
 * HTTP layer (http/) only reads parameters and calls these functions. Each concern has its
 * own file in this folder; this face states the contract and composes them.
 */
import type { Database } from 'better-sqlite3'
import type { DbUser } from '../users.js'
import type { DataEngine } from '../data/index.js'
import { createGuests } from './guests.js'
import { createMagicCodes, type MagicCodeOptions, type MagicCodes } from './magic-codes.js'
import { createTokens, type UserWithToken } from './tokens.js'
import { createUserRecords } from './user-records.js'

interface AuthOptions extends Omit<MagicCodeOptions, 'now'> {
  /** The data engine's signup checks: `extra-fields` and the `$users.allow.create` rule. */
  signup: Pick<DataEngine, 'checkUserFields' | 'checkSignup'>
  /** Deletes a user through the data engine: its row, its links and what they cascade to. */
  deleteUser(userId: string): void
  now?: () => number
}

export interface Auth extends MagicCodes {
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
  signInGuest(extraFields: unknown, admin: boolean): UserWithToken
  signOutToken(token: string): void
  signOutUser(userId: string): void
  deleteUser(userId: string): DbUser | null
}

/** Builds the auth service; every statement is prepared here, once. */
export function createAuth(db: Database, options: AuthOptions): Auth {
  const { appId } = options
  const now = options.now ?? (() => Date.now())
  const users = createUserRecords(db, appId, options.signup, now)
  const tokens = createTokens(db, users, now)
  const codes = createMagicCodes(db, users, tokens, { ...options, now })
  const guests = createGuests(db, users, tokens)
  const dbUser = (r: ReturnType<typeof users.byId>): DbUser | undefined =>
    r === undefined ? undefined : users.toDbUser(r)

  return {
    appId,
    userByRefreshToken: tokens.userByRefreshToken,
    verifyResponseJson: tokens.verifyResponseJson,
    invalidate: tokens.invalidate,
    userByEmail: (email) => dbUser(users.byEmail(email)),
    userById: (id) => dbUser(users.byId(id)),
    createToken: tokens.createToken,
    generateMagicCode: codes.generateMagicCode,
    sendMagicCode: codes.sendMagicCode,
    verifyMagicCode: codes.verifyMagicCode,
    signInGuest: guests.signInGuest,
    signOutToken: tokens.signOutToken,
    signOutUser: tokens.signOutUser,
    deleteUser(userId) {
      const r = users.byId(userId)
      if (r === undefined) return null
      const deleted = users.toDbUser(r)
      tokens.invalidate()
      // The data engine drops the user's links and cascades (linked guests go with it).
      options.deleteUser(userId)
      return deleted
    },
  }
}
