/**
 * Who a query or transaction runs as. Its own module so that the engine's files and the server
 * import it directly instead of going through the data barrel (index.ts), which imports them.
 */

/** A user in Instant's "db format" (contract §7.1), without `refresh_token`. */
export interface DbUser {
  app_id: string
  id: string
  email?: string
  type?: string
  created_at: string
  isGuest: boolean
  [attr: string]: unknown
}

/** Who is calling `/admin/query` or `/admin/transact`, as resolved by the server (contract §2). */
export type Caller = { kind: 'admin' } | { kind: 'user'; user: DbUser } | { kind: 'guest' }
