/**
 * Who a query or transaction runs as. Its own module so that the engine's files and the server
 * import it directly instead of going through the data barrel (index.ts), which imports them.
 */
import type { DbUser } from '../users.js'

/** Who is calling `/admin/query` or `/admin/transact`, as resolved by the server (contract §2). */
export type Caller = { kind: 'admin' } | { kind: 'user'; user: DbUser } | { kind: 'guest' }
