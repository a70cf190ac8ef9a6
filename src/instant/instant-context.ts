/**
 * `req.instant`: the verified user and a db scoped to them. The token is reachable
 * (`req.instant.token`) but lives in a private field behind a prototype getter, so it is not
 * enumerable, not serialised by `JSON.stringify` and not shown by `util.inspect`; the same goes
 * for the scoped db, whose config holds the admin token.
 */
import type { InstantAuthDb, InstantUser } from './instant-db.js'

const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/**
 * Declare your db type here to get a precisely typed `req.instant.db`:
 *
 * @example
 * ```ts
 * declare module 'instant-express-auth' {
 *   interface Register { db: typeof db }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Register {}

/** The user-scoped client when no db type is registered: queries and transactions. */
export interface InstantScopedDb {
  query(query: any, options?: any): Promise<any>
  transact(chunks: any): Promise<any>
}

/** The type of `db.asUser({ token })` for the registered db (see {@link Register}). */
type RegisteredScopedDb = Register extends { db: { asUser(opts: any): infer Scoped } }
  ? Scoped
  : InstantScopedDb

/** What the kit puts on `req.instant` for an authenticated request. */
export interface InstantContext<Db = RegisteredScopedDb> {
  /** The verified user, without `refresh_token`. Frozen: it is shared with the cache. */
  readonly user: InstantUser
  /** `db.asUser({ token })`, created on first access; Instant's permission rules apply. Not enumerable. */
  readonly db: Db
  /** The request's refresh token. Not enumerable, not serialised, not inspected. */
  readonly token: string
}

class Context {
  readonly user: InstantUser
  readonly #token: string
  readonly #adminDb: InstantAuthDb
  #scoped: unknown

  constructor(user: InstantUser, token: string, adminDb: InstantAuthDb) {
    this.user = user
    this.#token = token
    this.#adminDb = adminDb
  }

  get token(): string {
    return this.#token
  }

  get db(): unknown {
    // Lazy: most handlers that only read `user` never pay for building a scoped client.
    if (this.#scoped === undefined) this.#scoped = this.#adminDb.asUser({ token: this.#token })
    return this.#scoped
  }

  toJSON(): { user: InstantUser } {
    return { user: this.user }
  }

  [INSPECT](): { user: InstantUser } {
    return { user: this.user }
  }
}

Object.defineProperty(Context.prototype, Symbol.toStringTag, { value: 'InstantContext' })

/** Builds `req.instant` (one small object per request; nothing else is allocated). */
export function createInstantContext(
  user: InstantUser,
  token: string,
  adminDb: InstantAuthDb,
): InstantContext {
  return new Context(user, token, adminDb) as unknown as InstantContext
}
