/**
 * The SQLite driver under Local Instant: Node's own `node:sqlite` where Node has it (22.13 and
 * later: nothing to install, nothing to compile), else `better-sqlite3` (Node 20, a native
 * module). Local Instant is written against better-sqlite3's API; on `node:sqlite` it runs on
 * {@link NodeSqliteDatabase}, which gives the part of that API Local Instant uses (`prepare` with
 * `run`/`get`/`all`/`iterate`, `exec`, `pragma`, `transaction`, `close`) the same meaning.
 */
import type BetterSqlite3 from 'better-sqlite3'
import {
  loadNodeSqlite,
  loadSqlite,
  type NodeDatabase,
  type NodeStatement,
} from './dependencies.js'

/** The SQLite drivers Local Instant runs on. */
export type SqliteDriver = 'node:sqlite' | 'better-sqlite3'

/** The database handle Local Instant's modules use: better-sqlite3's API. */
export type SqliteDatabase = BetterSqlite3.Database

/** The driver used when none is asked for: `node:sqlite` where Node has it. */
export function defaultSqliteDriver(): SqliteDriver {
  return loadNodeSqlite() === null ? 'better-sqlite3' : 'node:sqlite'
}

/** Opens `path` with `driver`; a `driver` this Node cannot give throws, saying why. */
export function openSqlite(path: string, driver: SqliteDriver): SqliteDatabase {
  if (driver === 'better-sqlite3') {
    const Database = loadSqlite()
    return new Database(path)
  }
  const mod = loadNodeSqlite()
  if (mod === null) {
    throw new Error(
      `Local Instant's sqlite: 'node:sqlite' needs Node 22.13 or later (this is ${process.version}); ` +
        `leave the option out to use better-sqlite3.`,
    )
  }
  const db = new NodeSqliteDatabase(
    new mod.DatabaseSync(path, { enableForeignKeyConstraints: true }),
  )
  // The one cast: NodeSqliteDatabase has the part of better-sqlite3's API Local Instant calls,
  // and test/local/sqlite.test.ts runs that part on both drivers.
  return db as unknown as SqliteDatabase
}

/**
 * Positional parameters as better-sqlite3 takes them: arrays are spread (`run([a, b])` is
 * `run(a, b)`), an object binds named parameters.
 */
function flatten(params: unknown[]): unknown[] {
  return params.some(Array.isArray) ? params.flatMap((p) => (Array.isArray(p) ? p : [p])) : params
}

/**
 * A statement with better-sqlite3's calling conventions. Rows are node:sqlite's own objects,
 * which have no prototype (better-sqlite3's are plain): Local Instant reads them by property
 * only, so they are not copied.
 */
class NodeSqliteStatement {
  readonly #stmt: NodeStatement
  constructor(stmt: NodeStatement) {
    this.#stmt = stmt
  }
  run(...params: unknown[]): BetterSqlite3.RunResult {
    const r = this.#stmt.run(...flatten(params))
    return { changes: Number(r.changes), lastInsertRowid: r.lastInsertRowid }
  }
  get(...params: unknown[]): unknown {
    return this.#stmt.get(...flatten(params))
  }
  all(...params: unknown[]): unknown[] {
    return this.#stmt.all(...flatten(params))
  }
  *iterate(...params: unknown[]): IterableIterator<unknown> {
    yield* this.#stmt.iterate(...flatten(params))
  }
}

/** better-sqlite3's API over a `node:sqlite` database, for what Local Instant calls. */
class NodeSqliteDatabase {
  readonly #db: NodeDatabase
  /** Open `transaction()` calls: the outermost one is BEGIN … COMMIT, inner ones savepoints. */
  #depth = 0
  #open = true

  constructor(db: NodeDatabase) {
    this.#db = db
  }

  get open(): boolean {
    return this.#open
  }

  get inTransaction(): boolean {
    return this.#depth > 0
  }

  prepare(sql: string): NodeSqliteStatement {
    return new NodeSqliteStatement(this.#db.prepare(sql))
  }

  exec(sql: string): this {
    this.#db.exec(sql)
    return this
  }

  /** `PRAGMA <source>`: its rows, or with `{ simple: true }` the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown {
    const rows = this.#db.prepare(`PRAGMA ${source}`).all()
    if (options?.simple !== true) return rows
    const first = rows[0] as Record<string, unknown> | undefined
    return first === undefined ? undefined : Object.values(first)[0]
  }

  /**
   * Wraps `fn` in a transaction, as better-sqlite3 does: BEGIN … COMMIT, ROLLBACK when `fn`
   * throws (the error is rethrown); called inside another transaction, a savepoint.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
      const outer = this.#depth === 0
      const savepoint = `local_instant_${this.#depth}`
      this.#db.exec(outer ? 'BEGIN' : `SAVEPOINT ${savepoint}`)
      this.#depth++
      let result: R
      try {
        result = fn(...args)
      } catch (err) {
        this.#depth--
        if (outer) this.#db.exec('ROLLBACK')
        else this.#db.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`)
        throw err
      }
      this.#depth--
      if (!outer) {
        this.#db.exec(`RELEASE ${savepoint}`)
        return result
      }
      try {
        this.#db.exec('COMMIT')
      } catch (err) {
        // A failed COMMIT (a deferred constraint, a busy file) leaves the transaction open.
        this.#db.exec('ROLLBACK')
        throw err
      }
      return result
    }
  }

  close(): this {
    if (this.#open) {
      this.#open = false
      this.#db.close()
    }
    return this
  }
}
