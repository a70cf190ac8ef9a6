/**
 * The SQLite database of Local Instant: opening it and running its versioned migrations.
 * Auth tables come first (schema version 1), the data engine's migrations follow, so
 * `PRAGMA user_version` counts every migration ever applied to the file.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { openSqlite, type SqliteDatabase, type SqliteDriver } from './sqlite.js'
import { DATA_TABLES } from './data/migrations.js'

/** Schema version 1: the auth side's tables. `users` is also read by the data engine. */
const AUTH_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT UNIQUE,
  type TEXT,
  created_at INTEGER NOT NULL, -- ms since epoch
  extra TEXT NOT NULL DEFAULT '{}' -- JSON of custom $users attrs
);
CREATE TABLE refresh_tokens (
  hash TEXT PRIMARY KEY, -- sha256 hex of the token; the token itself is never stored
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER
);
CREATE INDEX refresh_tokens_user_id ON refresh_tokens(user_id);
CREATE TABLE magic_codes (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  code_hash TEXT NOT NULL, -- sha256 hex of the code
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX magic_codes_email_hash ON magic_codes(email, code_hash);
`

/**
 * Schema version 3: a code's wrong guesses are counted on its row. They were counted in memory,
 * in a bounded map whose oldest entries a flood of guesses at other emails could evict, handing
 * the victim's code a fresh set of attempts; on the row they also survive a restart.
 */
const MAGIC_CODE_WRONG_GUESSES = `
ALTER TABLE magic_codes ADD COLUMN wrong_guesses INTEGER NOT NULL DEFAULT 0;
`

/**
 * Every migration, in the order they were written; entry `i` brings the database to
 * `user_version = i + 1`. Append only: a file on disk keeps the versions it has run.
 */
export const MIGRATIONS: readonly string[] = [AUTH_V1, DATA_TABLES, MAGIC_CODE_WRONG_GUESSES]

/**
 * Opens (creating if needed) the database at `dbPath` (`':memory:'` or a file path whose parent
 * folders are created) with `driver`, and migrates it to the latest schema version.
 */
export function openStore(dbPath: string, driver: SqliteDriver): SqliteDatabase {
  if (dbPath !== ':memory:' && !dbPath.startsWith('file:')) {
    mkdirSync(dirname(dbPath), { recursive: true })
  }
  const db = openSqlite(dbPath, driver)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db)
  } catch (err) {
    db.close()
    throw err
  }
  return db
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > MIGRATIONS.length) {
    throw new Error(
      `Local Instant database schema version ${current} is newer than this package knows ` +
        `(${MIGRATIONS.length}); upgrade instant-express-auth or use another --db file.`,
    )
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    const sql = MIGRATIONS[version] as string
    db.transaction(() => {
      db.exec(sql)
      // PRAGMA takes no bound parameters; `version` is an integer we computed.
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}

/** Reads a `meta` value. */
export function getMeta(db: SqliteDatabase, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
    { value: string } | undefined
  return row?.value
}

/** Writes a `meta` value. */
export function setMeta(db: SqliteDatabase, key: string, value: string): void {
  db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(key, value)
}
