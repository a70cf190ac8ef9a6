/**
 * The data engine of Local Instant: InstaQL queries, transactions and permission rules.
 * The interface between the server and auth side (src/local/*.ts) and the data engine.
 */
import type { Database } from 'better-sqlite3'
import { createAttrRegistry, type AttrRegistry } from './attrs.js'
import type { Caller } from './caller.js'
import { createCelCompiler } from './cel.js'
import { clientAttrs, ensurePrimaryAttrs, type ClientAttr } from './client-attrs.js'
import { createGraphReader } from './graph.js'
import { createPermissions, type Permissions } from './permissions.js'
import { runQuery } from './query.js'
import { DEFAULT_QUERY_BUDGET, type QueryBudget } from './query-budget.js'
import { applySchema } from './schema.js'
import { checkSignup, checkUserFields } from './signup.js'
import { createStore } from './store.js'
import { deleteEntityCascading } from './cascade.js'
import { runTransact } from './transact.js'
import { loggingAttrs, loggingStore, type WriteLog } from './write-log.js'

export type { ClientAttr } from './client-attrs.js'

/** What one commit changed; `namespaces: 'all'` after new rules or a new schema. */
export interface Commit {
  txId: number
  namespaces: ReadonlySet<string> | 'all'
  /**
   * For a transaction: the entities it wrote per namespace (`'any'`: some it cannot name).
   * Absent for writes known only by namespace (the auth side's, new rules).
   */
  entities?: ReadonlyMap<string, ReadonlySet<string> | 'any'>
  attrsChanged: boolean
}

/** What the realtime sessions (src/local/session) read from the engine, besides query/transact. */
interface SessionFacet {
  /** The attr registry, to map attr ids and labels (read only). */
  readonly attrs: AttrRegistry
  /** Every attr in Instant's shape, after giving each namespace its primary `id` attr. */
  clientAttrs(): ClientAttr[]
  /** The `ref` paths rules read, so reactivity knows what a view depends on. */
  readonly permissions: Pick<Permissions, 'refPaths'>
  /** An entity's stored attribute values (no `id`), or undefined when there is none. */
  entityAttrs(ns: string, id: string): Readonly<Record<string, unknown>> | undefined
  /** `$serverCreatedAt` (ms) of an entity, the `t` of its triples. */
  createdAt(ns: string, id: string): number | undefined
  /** The last tx-id handed out (0 before the first transaction). */
  lastTxId(): number
  /** Calls `listener` after every commit: transactions, user deletes, rules, writes by auth. */
  subscribe(listener: (commit: Commit) => void): () => void
  /** Reports a write made outside the engine (the auth side writing `$users`). */
  notifyWrite(namespaces: Iterable<string>): void
}

interface DataEngineOptions {
  appId: string
  /** The object `i.schema({ entities, links })` returns, or its JSON. */
  schema?: unknown
  /** Permission rules in Instant's JSON format. */
  rules?: unknown
  /** Query budgets; each one missing takes its default (query-budget.ts). */
  queryBudget?: Partial<QueryBudget>
}

export interface DataEngine {
  /**
   * Answers `POST /admin/query`: takes the parsed request body, returns the response body.
   * `querySize`, the length of `body.query`'s JSON, spares measuring it again when it is known.
   */
  query(body: unknown, caller: Caller, querySize?: number): unknown
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
  /** For the realtime sessions. */
  readonly session: SessionFacet
}

/**
 * Builds the engine on an open, migrated database (see src/local/database.ts).
 *
 * @example
 * const engine = createDataEngine(db, { appId, schema, rules })
 * engine.transact({ steps: [['update', 'todos', id, { title: 'x' }]] }, { kind: 'admin' })
 * engine.query({ query: { todos: {} } }, { kind: 'guest' }) // { todos: [...] }
 */
export function createDataEngine(db: Database, options: DataEngineOptions): DataEngine {
  const log: WriteLog = { namespaces: new Set(), entities: new Map(), attrsChanged: false }
  const rawAttrs = createAttrRegistry(db)
  const attrs = loggingAttrs(rawAttrs, log)
  const store = loggingStore(createStore(db), rawAttrs, log)
  const permissions = createPermissions(createCelCompiler())
  const listeners = new Set<(commit: Commit) => void>()
  const selectTxId = db.prepare<[], { value: number }>(
    "SELECT value FROM data_meta WHERE key = 'tx_id'",
  )
  const lastTxId = (): number => selectTxId.get()?.value ?? 0
  const emit = (commit: Commit): void => {
    for (const listener of listeners) listener(commit)
  }
  /** Runs a write, then tells the listeners what it changed (nothing when it threw). */
  function logged<T>(write: () => T, txIdOf: (result: T) => number): T {
    const reset = (): void => {
      log.namespaces.clear()
      log.entities.clear()
      log.attrsChanged = false
    }
    reset()
    try {
      const result = write()
      if (log.namespaces.size > 0 || log.attrsChanged) {
        emit({
          txId: txIdOf(result),
          namespaces: new Set(log.namespaces),
          entities: new Map(log.entities),
          attrsChanged: log.attrsChanged,
        })
      }
      return result
    } finally {
      reset()
    }
  }
  const setSchema = (schema: unknown): void => {
    db.transaction(() => applySchema(attrs, schema))()
    emit({ txId: lastTxId(), namespaces: 'all', attrsChanged: true })
  }
  if (options.schema !== undefined) setSchema(options.schema)
  if (options.rules !== undefined) permissions.setRules(options.rules)
  const budget: QueryBudget = { ...DEFAULT_QUERY_BUDGET, ...options.queryBudget }
  const deps = { db, store, attrs, permissions, budget }
  const signupDeps = { attrs, permissions, reader: createGraphReader(store, attrs, false) }
  return {
    query: (body, caller, querySize) => runQuery(deps, body, caller, querySize),
    transact: (body, caller) =>
      logged(
        () => runTransact(deps, body, caller),
        (r) => r['tx-id'],
      ),
    setRules(rules) {
      permissions.setRules(rules)
      emit({ txId: lastTxId(), namespaces: 'all', attrsChanged: false })
    },
    setSchema,
    checkUserFields: (fields) => checkUserFields(signupDeps, fields),
    checkSignup: (user, hasExtraFields) => checkSignup(signupDeps, user, hasExtraFields),
    onUserDeleted(userId) {
      // Refresh tokens go with their users rows (foreign key cascade).
      logged(() => {
        try {
          db.transaction(() => deleteEntityCascading({ store, attrs }, '$users', userId))()
        } catch (error) {
          // SQLite rolled back; bring the in-memory caches back in line, as runTransact does.
          attrs.reload()
          store.clearCache()
          throw error
        }
      }, lastTxId)
    },
    session: {
      attrs: rawAttrs,
      permissions,
      clientAttrs() {
        if (ensurePrimaryAttrs(db, rawAttrs)) {
          emit({ txId: lastTxId(), namespaces: new Set(), attrsChanged: true })
        }
        return clientAttrs(rawAttrs)
      },
      entityAttrs: (ns, id) => store.load(ns, id)?.attrs,
      createdAt: (ns, id) => store.load(ns, id)?.createdAt,
      lastTxId,
      subscribe(listener) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      notifyWrite(namespaces) {
        emit({ txId: lastTxId(), namespaces: new Set(namespaces), attrsChanged: false })
      },
    },
  }
}
