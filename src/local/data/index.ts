/**
 * The data engine of Local Instant: InstaQL queries, transactions and permission rules.
 * The interface between the server and auth side (src/local/*.ts) and the data engine.
 */
import type { Database } from 'better-sqlite3'
import { createAttrRegistry } from './attrs.js'
import { createCelCompiler } from './cel.js'
import { createGraphReader } from './graph.js'
import { createPermissions } from './permissions.js'
import { runQuery } from './query.js'
import { DEFAULT_QUERY_BUDGET, type QueryBudget } from './query-budget.js'
import { applySchema } from './schema.js'
import { checkSignup, checkUserFields } from './signup.js'
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
  /** Query budgets; each one missing takes its default (query-budget.ts). */
  queryBudget?: Partial<QueryBudget>
}

export interface DataEngine {
  /** Answers `POST /admin/query`: takes the parsed request body, returns the response body. */
  query(body: unknown, caller: Caller): unknown
  /** Answers `POST /admin/transact`: takes the parsed request body, returns `{ 'tx-id': n }`. */
  transact(body: unknown, caller: Caller): { 'tx-id': number }
  setRules(rules: unknown): void
  setSchema(schema: unknown): void
  /**
   * Signup, step 1 (`validate-extra-fields!`): every key must be a custom `$users` attribute.
   * Throws `validation-failed`.
   */
  checkUserFields(fields: Record<string, unknown>): void
  /**
   * Signup, step 2 for non-admin routes: the `$users.allow.create` rule, with `auth`, `data` and
   * `newData` all the new user `{ id, email?, ...extraFields }`. Throws `permission-denied`.
   */
  checkSignup(user: { id: string } & Record<string, unknown>, hasExtraFields: boolean): void
  /**
   * Deletes a user for the auth side (`DELETE /admin/users`), like an admin `delete` step: the
   * row (if still there), its links, and what they cascade to, linked guests included.
   */
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
  const budget: QueryBudget = { ...DEFAULT_QUERY_BUDGET, ...options.queryBudget }
  const deps = { db, store, attrs, permissions, budget }
  const signupDeps = { attrs, permissions, reader: createGraphReader(store, attrs, false) }
  return {
    query: (body, caller) => runQuery(deps, body, caller),
    transact: (body, caller) => runTransact(deps, body, caller),
    setRules: (rules) => permissions.setRules(rules),
    setSchema,
    checkUserFields: (fields) => checkUserFields(signupDeps, fields),
    checkSignup: (user, hasExtraFields) => checkSignup(signupDeps, user, hasExtraFields),
    onUserDeleted(userId) {
      // Refresh tokens go with their users rows (foreign key cascade).
      try {
        db.transaction(() => deleteEntityCascading({ store, attrs }, '$users', userId))()
      } catch (error) {
        // SQLite rolled back; bring the in-memory caches back in line, as runTransact does.
        attrs.reload()
        store.clearCache()
        throw error
      }
    },
  }
}
