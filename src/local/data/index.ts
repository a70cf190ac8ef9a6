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
import type { RequestInfo } from './cel.js'
import {
  createPermissions,
  rulesRefused,
  type Permissions,
  type RuleCoverageRow,
} from './permissions.js'
import { runQuery, type QueryCheck } from './query.js'
import { DEFAULT_QUERY_BUDGET, type QueryBudget } from './query-budget.js'
import { applySchema } from './schema.js'
import { checkSignup, checkUserFields } from './signup.js'
import { createStore } from './store.js'
import { deleteEntityCascading } from './cascade.js'
import { runTransact, runTransactCheck, type TransactCheckAnswer } from './transact.js'
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

/** What a perms check run takes besides the body: the rules to use, `request.ip` / `.origin`. */
export interface PermsCheckOptions extends RequestInfo {
  /** Rules for this run only (`rules-override`); the rules in force when undefined. */
  rules?: unknown
}

/** The answer of `/admin/query_perms_check`. */
export interface PermsCheckQueryAnswer {
  result: unknown
  'check-results': QueryCheck[]
  /** Instant's rule-where clauses; Local Instant never turns rules into wheres. */
  'rule-wheres': null
}

export interface DataEngine {
  /**
   * Answers `POST /admin/query`: takes the parsed request body, returns the response body.
   * `querySize`, the length of `body.query`'s JSON, spares measuring it again when it is known.
   */
  query(body: unknown, caller: Caller, querySize?: number): unknown
  /** Answers `POST /admin/transact`: takes the parsed request body, returns `{ 'tx-id': n }`. */
  transact(body: unknown, caller: Caller): { 'tx-id': number }
  /**
   * Answers `POST /admin/query_perms_check`: the query run as `caller` (never admin) under
   * `options.rules` when given, with every rule check: `{ result, 'check-results', 'rule-wheres' }`.
   */
  queryPermsCheck(body: unknown, caller: Caller, options: PermsCheckOptions): PermsCheckQueryAnswer
  /**
   * Answers `POST /admin/transact_perms_check`: the transaction run as `caller` with every
   * check recorded, rolled back unless `options.commit` and every check passed.
   */
  transactPermsCheck(
    body: unknown,
    caller: Caller,
    options: PermsCheckOptions & { commit: boolean },
  ): TransactCheckAnswer
  setRules(rules: unknown): void
  /** One row per rule in force with its counters (permissions.ts `coverage`). */
  ruleCoverage(): RuleCoverageRow[]
  resetRuleCoverage(): void
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
  /**
   * Deletes every entity, link, user (guests too), refresh token and magic code; keeps the
   * attributes, the rules and the tx counter. For tests: one statement per table.
   */
  clearData(): void
  /** For the realtime sessions. */
  readonly session: SessionFacet
}

/** What `clearData` empties, children first (refresh tokens go with their users by cascade). */
const CLEARED_TABLES = [
  'data_links',
  'data_triples',
  'data_entities',
  'refresh_tokens',
  'magic_codes',
  'users',
] as const

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
  const cel = createCelCompiler()
  const permissions = createPermissions(cel)
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
  // Prepared at the first clear: an engine may run on a database without the auth tables.
  let deleteAll: (() => void) | undefined
  // Every table is emptied, so no foreign key can dangle; with the checks off, SQLite drops each
  // table's pages at once (its truncate optimisation) instead of deleting row by row.
  const clearTables = (): void => {
    if (deleteAll === undefined) {
      const statements = CLEARED_TABLES.map((table) => db.prepare(`DELETE FROM ${table}`))
      deleteAll = db.transaction(() => {
        for (const statement of statements) statement.run()
      })
    }
    db.pragma('foreign_keys = OFF')
    try {
      deleteAll()
    } finally {
      db.pragma('foreign_keys = ON')
    }
  }
  const deps = { db, store, attrs, permissions, budget }
  /** The engine's deps with `rules-override` in force, checked as Instant checks it. */
  function depsFor(rules: unknown): typeof deps {
    if (rules === undefined || rules === null) return deps
    const override = createPermissions(cel)
    const problems = override.validate(rules)
    if (problems.length > 0) throw rulesRefused('rule', problems)
    override.setRules(rules)
    return { ...deps, permissions: override }
  }
  const signupDeps = { attrs, permissions, reader: createGraphReader(store, attrs, false) }
  return {
    query: (body, caller, querySize) => runQuery(deps, body, caller, querySize),
    transact: (body, caller) =>
      logged(
        () => runTransact(deps, body, caller),
        (r) => r['tx-id'],
      ),
    queryPermsCheck(body, caller, options) {
      const checks: QueryCheck[] = []
      const result = runQuery(depsFor(options.rules), body, caller, undefined, {
        checks,
        requestInfo: options,
      })
      return { result, 'check-results': checks, 'rule-wheres': null }
    },
    transactPermsCheck: (body, caller, options) =>
      logged(
        () => {
          const answer = runTransactCheck(depsFor(options.rules), body, caller, {
            commit: options.commit,
            requestInfo: options,
          })
          if (!answer['committed?']) {
            // Rolled back: nothing changed, so nothing to tell the sessions.
            log.namespaces.clear()
            log.entities.clear()
            log.attrsChanged = false
          }
          return answer
        },
        (r) => r['tx-id'],
      ),
    setRules(rules) {
      permissions.setRules(rules)
      emit({ txId: lastTxId(), namespaces: 'all', attrsChanged: false })
    },
    ruleCoverage: () => permissions.coverage(),
    resetRuleCoverage: () => permissions.resetCoverage(),
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
    clearData() {
      clearTables()
      store.clearCache()
      emit({ txId: lastTxId(), namespaces: 'all', attrsChanged: false })
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
