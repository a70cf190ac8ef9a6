/**
 * The data engine of Local Instant: InstaQL queries, transactions and permission rules.
 * INTERFACE CONTRACT between the server (src/local/*.ts) and the data engine (src/local/data/**).
 * The data-engine owner replaces the stub body; the exported names and shapes stay.
 */
import type { Database } from 'better-sqlite3'
import { createAttrRegistry } from './attrs.js'
import { createCelCompiler } from './cel.js'
import { createPermissions } from './permissions.js'
import { runQuery } from './query.js'
import { applySchema } from './schema.js'
import { createStore } from './store.js'
import { deleteEntityCascading, runTransact } from './transact.js'

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

export interface DataEngineOptions {
  appId: string
  /** The object `i.schema({ entities, links })` returns, or its JSON. */
  schema?: unknown
  /** Permission rules in Instant's JSON format. */
  rules?: unknown
}

export interface DataEngine {
  /** Answers `POST /admin/query`: takes the parsed request body, returns the response body. */
  query(body: unknown, caller: Caller): unknown
  /** Answers `POST /admin/transact`: takes the parsed request body, returns `{ 'tx-id': n }`. */
  transact(body: unknown, caller: Caller): { 'tx-id': number }
  setRules(rules: unknown): void
  setSchema(schema: unknown): void
  /** Called by the auth side after it deleted a user, so links to it go too. */
  onUserDeleted(userId: string): void
}

/**
 * Builds the engine on an open, migrated database (see src/local/store.ts).
 *
 * @example
 * const engine = createDataEngine(db, { appId, schema, rules })
 * engine.transact({ steps: [['update', 'todos', id, { title: 'x' }]] }, { kind: 'admin' })
 * engine.query({ query: { todos: {} } }, { kind: 'guest' }) // { todos: [...] }
 */
export function createDataEngine(db: Database, options: DataEngineOptions): DataEngine {
  const attrs = createAttrRegistry(db)
  const store = createStore(db)
  const permissions = createPermissions(createCelCompiler())
  const setSchema = (schema: unknown): void => {
    db.transaction(() => applySchema(attrs, schema))()
  }
  if (options.schema !== undefined) setSchema(options.schema)
  if (options.rules !== undefined) permissions.setRules(options.rules)
  const deps = { db, store, attrs, permissions }
  return {
    query: (body, caller) => runQuery(deps, body, caller),
    transact: (body, caller) => runTransact(deps, body, caller),
    setRules: (rules) => permissions.setRules(rules),
    setSchema,
    onUserDeleted(userId) {
      // The users row is already gone; drop its links and cascade like a `delete` step would.
      db.transaction(() => deleteEntityCascading({ store, attrs }, '$users', userId, new Set()))()
    },
  }
}
