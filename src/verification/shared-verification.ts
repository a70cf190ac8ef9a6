/**
 * Verification and revocation across instances, through a shared {@link StateStore} (Redis).
 *
 * - A verified token is written as `iea:v:<token hash>` → `{ u: user, at, exp }` (the user
 *   without `refresh_token`; never the token), so another instance with a local miss reads it
 *   instead of asking Instant: one upstream verification per token per TTL, not one per instance.
 * - Sign-out deletes that entry, leaves a short "invalid" one in its place, and publishes the
 *   token hash (or, for every session of a user, the user id) on `iea:revoked`; each instance
 *   evicts it from its caches. For a user, a marker `iea:v:u:<id>` → revocation time also
 *   refuses shared entries verified before it (their tokens are unknown to the publisher).
 * - The store failing never fails a verification: a failed read is a miss (Instant is asked), a
 *   failed write or publish leaves the other instances to their cache TTL. The store logs it.
 */
import type { InstantUser } from '../instant/instant-db.js'
import type { StateStore } from '../state-store.js'

/** Channel of revocation messages. */
const REVOCATION_CHANNEL = 'iea:revoked'
/** How long a user's "signed out everywhere" marker stays, in ms: past any sane cache TTL. */
const USER_REVOCATION_TTL_MS = 24 * 60 * 60_000
/** Most a shared entry may live, in ms, however long the caches' TTL (the marker must outlive it). */
const MAX_SHARED_TTL_MS = USER_REVOCATION_TTL_MS

const tokenKey = (tokenHash: string): string => `iea:v:${tokenHash}`
const userKey = (userId: string): string => `iea:v:u:${userId}`

/** A shared answer: a user until `expiresAt` (ms since the epoch), or "invalid". */
type SharedAnswer = { user: InstantUser; expiresAt: number } | 'invalid'

/** True when `store` is shared between processes, so verification results go through it. */
export function isSharedStore(store: StateStore | undefined): store is StateStore {
  return store?.shared === true
}

/** The shared answer for a token hash, or `undefined` (none, revoked, or the store failed). */
export async function readShared(
  store: StateStore,
  tokenHash: string,
): Promise<SharedAnswer | undefined> {
  try {
    const raw = await store.get(tokenKey(tokenHash))
    if (raw === undefined) return undefined
    const entry = JSON.parse(raw) as { u?: InstantUser; at?: number; exp?: number; x?: 1 }
    if (entry.x === 1) return 'invalid'
    const { u: user, at, exp } = entry
    if (typeof user?.id !== 'string' || typeof at !== 'number' || typeof exp !== 'number') {
      return undefined
    }
    if (exp <= Date.now()) return undefined
    const revokedAt = await store.get(userKey(user.id))
    if (revokedAt !== undefined && Number(revokedAt) >= at) return undefined
    return { user, expiresAt: exp }
  } catch {
    return undefined
  }
}

/** Shares a verified user; `startedAt` is when the upstream call began (for user revocation). */
export function writeShared(
  store: StateStore,
  tokenHash: string,
  user: InstantUser,
  startedAt: number,
  ttlMs: number,
): void {
  const ttl = Math.min(ttlMs, MAX_SHARED_TTL_MS)
  const value = JSON.stringify({ u: user, at: startedAt, exp: Date.now() + ttl })
  store.put(tokenKey(tokenHash), value, ttl).catch(ignore)
}

/** Shares Instant's "unknown token" answer for `ttlMs`. */
export function writeSharedInvalid(store: StateStore, tokenHash: string, ttlMs: number): void {
  if (ttlMs > 0) store.put(tokenKey(tokenHash), '{"x":1}', ttlMs).catch(ignore)
}

/** What a revocation message names. */
type Revocation = { tokenHash: string } | { userId: string }

/**
 * Tells every instance that a token (or every token of a user) is revoked. Resolves when the
 * store has it or has failed (then the other instances keep it until their cache TTL).
 */
export async function publishRevocation(
  store: StateStore,
  revocation: Revocation,
  negativeTtlMs: number,
): Promise<void> {
  if (!isSharedStore(store)) return
  const writes: Promise<unknown>[] = []
  if ('tokenHash' in revocation) {
    const key = tokenKey(revocation.tokenHash)
    writes.push(negativeTtlMs > 0 ? store.put(key, '{"x":1}', negativeTtlMs) : store.delete(key))
  } else {
    writes.push(store.put(userKey(revocation.userId), String(Date.now()), USER_REVOCATION_TTL_MS))
  }
  if (store.publish !== undefined) {
    const message =
      'tokenHash' in revocation ? { t: revocation.tokenHash } : { u: revocation.userId }
    writes.push(store.publish(REVOCATION_CHANNEL, JSON.stringify(message)))
  }
  await Promise.allSettled(writes)
}

/** Which (store, db) pairs already listen, so each process subscribes once per pair. */
const listening = new WeakMap<StateStore, WeakSet<object>>()

/** Calls `onRevoke` for every revocation published through `store`, once per `db`. */
export function listenForRevocations(
  store: StateStore,
  db: object,
  onRevoke: (revocation: Revocation) => void,
): void {
  if (store.subscribe === undefined) return
  let dbs = listening.get(store)
  if (dbs === undefined) {
    dbs = new WeakSet()
    listening.set(store, dbs)
  }
  if (dbs.has(db)) return
  dbs.add(db)
  store.subscribe(REVOCATION_CHANNEL, (message) => {
    const revocation = parseRevocation(message)
    if (revocation !== undefined) onRevoke(revocation)
  })
}

function parseRevocation(message: string): Revocation | undefined {
  try {
    const parsed = JSON.parse(message) as { t?: unknown; u?: unknown }
    if (typeof parsed.t === 'string') return { tokenHash: parsed.t }
    if (typeof parsed.u === 'string') return { userId: parsed.u }
  } catch {
    // Not ours: ignored.
  }
  return undefined
}

function ignore(): void {
  // The store reports its own failures (one rate-limited warning); the caches carry on.
}
