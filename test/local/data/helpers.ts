import { randomUUID } from 'node:crypto'
import { defaultSqliteDriver, openSqlite, type SqliteDatabase } from '../../../src/local/sqlite.js'
import type { Caller } from '../../../src/local/data/caller.js'
import { createDataEngine, type DataEngine } from '../../../src/local/data/index.js'
import { DATA_TABLES } from '../../../src/local/data/migrations.js'
import { LocalInstantError } from '../../../src/local/errors.js'
import { toDbUser } from '../../../src/local/users.js'

export const ADMIN: Caller = { kind: 'admin' }
export const GUEST: Caller = { kind: 'guest' }
export const APP_ID = '00000000-0000-4000-8000-000000000000'

/**
 * Opens a database shaped like src/local/database.ts leaves it: users table, then the data
 * tables; on the driver Local Instant picks on this Node (`node:sqlite` on 22.13+).
 */
export function openTestDb(path = ':memory:'): SqliteDatabase {
  const db = openSqlite(path, defaultSqliteDriver())
  db.pragma('foreign_keys = ON')
  const version = db.pragma('user_version', { simple: true }) as number
  if (version === 0) {
    db.exec(`CREATE TABLE users (
      id TEXT PRIMARY KEY, email TEXT UNIQUE, type TEXT,
      created_at INTEGER NOT NULL, extra TEXT NOT NULL DEFAULT '{}')`)
    db.exec(DATA_TABLES)
    db.pragma('user_version = 2')
  }
  return db
}

export interface TestEngine {
  db: SqliteDatabase
  engine: DataEngine
  addUser(email?: string, extra?: Record<string, unknown>): string
  userCaller(id: string): Caller
  tx(steps: unknown[], caller?: Caller, throwOnMissing?: boolean): { 'tx-id': number }
  q(query: Record<string, unknown>, caller?: Caller, inference?: boolean): any
}

export function makeEngine(
  options: { schema?: unknown; rules?: unknown; path?: string } = {},
): TestEngine {
  const db = openTestDb(options.path)
  const engine = createDataEngine(db, {
    appId: APP_ID,
    schema: options.schema,
    rules: options.rules,
  })
  let clock = 1_700_000_000_000
  return {
    db,
    engine,
    addUser(email, extra = {}) {
      const id = randomUUID()
      db.prepare(
        'INSERT INTO users (id, email, type, created_at, extra) VALUES (?, ?, ?, ?, ?)',
      ).run(id, email ?? null, email ? 'user' : null, clock++, JSON.stringify(extra))
      return id
    },
    userCaller(id) {
      const row = db.prepare('SELECT * FROM users WHERE id = ?').get(id) as any
      return { kind: 'user', user: toDbUser(row, APP_ID) }
    },
    tx: (steps, caller = ADMIN, throwOnMissing = false) =>
      engine.transact({ steps, 'throw-on-missing-attrs?': throwOnMissing }, caller),
    q: (query, caller = ADMIN, inference = false) =>
      engine.query({ query, 'inference?': inference }, caller),
  }
}

/** Runs `fn` and returns the LocalInstantError it throws (fails otherwise). */
export function errorOf(fn: () => unknown): LocalInstantError {
  try {
    fn()
  } catch (e) {
    if (e instanceof LocalInstantError) return e
    throw e
  }
  throw new Error('expected a LocalInstantError')
}

/** Deterministic UUIDs that sort in creation order: `uid(1)` < `uid(2)`. */
export function uid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
}
