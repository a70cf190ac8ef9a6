/**
 * The structural shape of an Instant admin client, as far as the kit needs it. Both this
 * package's client (`instant-express-auth/admin`) and the official `@instantdb/admin` satisfy it,
 * so the kit never imports either: it only calls these methods.
 */
import { HONOURS_CALL_TIMEOUTS } from '../errors/brands.js'

/** An Instant user as the auth endpoints return it (`refresh_token` included on some). */
export interface InstantUserRecord {
  id: string
  // `| undefined` on each optional field: consumers with `exactOptionalPropertyTypes` pass
  // `@instantdb/admin`'s `User`, whose fields are declared that way.
  email?: string | null | undefined
  type?: string | null | undefined
  isGuest?: boolean | undefined
  refresh_token?: string | undefined
  [attribute: string]: unknown
}

/** An Instant user as the kit hands it out: never with `refresh_token`, and frozen. */
export interface InstantUser {
  readonly id: string
  readonly email?: string | null | undefined
  readonly type?: string | null | undefined
  readonly isGuest?: boolean | undefined
  /** Always absent: the kit strips it so `res.json(user)` cannot leak a long-lived token. */
  readonly refresh_token?: never
  readonly [attribute: string]: unknown
}

/** Who to look up or sign out. */
type UserLookup = { email: string } | { id: string } | { refresh_token: string }

/** What the kit passes to calls it may cancel (our client honours it; the SDK ignores it). */
export interface InstantCallOptions {
  signal?: AbortSignal
  /** A deadline for the call, in ms; passed only to clients that {@link honoursCallTimeouts}. */
  timeoutMs?: number
}

/**
 * True for a client (ours) marked with the `HONOURS_CALL_TIMEOUTS` brand, from any copy of this
 * package: it enforces `timeoutMs` on every call itself, cancelling the request at the deadline,
 * so the kit needs neither its own timer nor an `AbortSignal` for it.
 */
export function honoursCallTimeouts(db: object): boolean {
  return (db as Record<symbol, unknown>)[HONOURS_CALL_TIMEOUTS] === true
}

/** The `db.auth` methods the kit calls. */
interface InstantAuthApi {
  verifyToken(token: string, options?: InstantCallOptions): Promise<InstantUserRecord>
  createToken(
    input: { email: string } | { id: string },
    options?: InstantCallOptions,
  ): Promise<string>
  getUser(
    lookup: UserLookup,
    options?: InstantCallOptions,
  ): Promise<InstantUserRecord | null | undefined>
  generateMagicCode(email: string, options?: InstantCallOptions): Promise<{ code: string }>
  checkMagicCode(
    email: string,
    code: string,
    params?: undefined,
    options?: InstantCallOptions,
  ): Promise<{ user: InstantUserRecord; created: boolean }>
  signOut(lookup: UserLookup, options?: InstantCallOptions): Promise<void>
}

/**
 * Any Instant admin client: ours or `@instantdb/admin`. `asUser({ token })` gives the
 * user-scoped client handed to route handlers as `req.instant.db`.
 */
export interface InstantAuthDb {
  auth: InstantAuthApi
  asUser(opts: { token: string }): unknown
}

/** True when `value` looks like an Instant admin client (checked once, at factory time). */
export function isInstantAuthDb(value: unknown): value is InstantAuthDb {
  if (typeof value !== 'object' || value === null) return false
  const { auth, asUser } = value as { auth?: unknown; asUser?: unknown }
  return (
    typeof asUser === 'function' &&
    typeof auth === 'object' &&
    auth !== null &&
    typeof (auth as { verifyToken?: unknown }).verifyToken === 'function'
  )
}

/** A copy of `user` without `refresh_token`, frozen because cached copies are shared. */
export function publicUser(user: InstantUserRecord): InstantUser {
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(user)) {
    if (key !== 'refresh_token') copy[key] = user[key]
  }
  return Object.freeze(copy) as InstantUser
}

/** Instant marks guests with `type: "guest"` (and computes `isGuest` from it). */
export function isGuestUser(user: InstantUser): boolean {
  return user.isGuest === true || user.type === 'guest'
}
