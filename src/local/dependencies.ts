/**
 * Local Instant's dependencies, SQLite (Node's own `node:sqlite` from Node 22.13, else
 * better-sqlite3, a native module), CEL
 * (@marcbachmann/cel-js), RE2 for CEL's `matches()` (re2js) and websockets (ws), are optional
 * peers of the package: a production app that only mounts the routers installs none of them and
 * compiles nothing. They are loaded at first use, and a missing one fails with the one command
 * that installs them all (`ws` alone is optional: without it the realtime session is off).
 */
import type BetterSqlite3 from 'better-sqlite3'
import type * as CelJs from '@marcbachmann/cel-js'
import type * as Re2Js from 're2js'
import { createRequire } from 'node:module'
import { requireOptional } from '../options/optional-dependency.js'

/** The one command that gets a developer Local Instant and its CLI (`npx instant-local`). */
export const LOCAL_INSTANT_INSTALL =
  'npm install --save-dev better-sqlite3@^12.6.2 @marcbachmann/cel-js@^8.0.0 re2js@^2.10.0 ws@^8.23.0'

/** The command for realtime sessions alone (`ws`), when the rest is installed. */
export const WS_INSTALL = 'npm install --save-dev ws@^8.23.0'

/** The same where Node has `node:sqlite`: nothing to compile. */
const LOCAL_INSTANT_INSTALL_NO_SQLITE =
  'npm install --save-dev @marcbachmann/cel-js@^8.0.0 re2js@^2.10.0 ws@^8.23.0'

/** The command a missing dependency's error gives: on Node 22.13+, SQLite is Node's own. */
const use = () => ({
  feature: 'Local Instant',
  install: loadNodeSqlite() === null ? LOCAL_INSTANT_INSTALL : LOCAL_INSTANT_INSTALL_NO_SQLITE,
})

/** better-sqlite3's `Database` constructor. */
export function loadSqlite(): typeof BetterSqlite3 {
  return requireOptional<typeof BetterSqlite3>('better-sqlite3', use())
}

/** The @marcbachmann/cel-js module. */
export function loadCel(): typeof CelJs {
  return requireOptional<typeof CelJs>('@marcbachmann/cel-js', use())
}

/** The re2js module (linear-time regular expressions for CEL's `matches()`). */
export function loadRe2(): typeof Re2Js {
  return requireOptional<typeof Re2Js>('re2js', use())
}

const requireBuiltin = createRequire(import.meta.url)

// What `node:sqlite` exports, as far as this file uses it (Node 20's types have no node:sqlite).
export interface NodeStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  iterate(...params: unknown[]): IterableIterator<unknown>
}
export interface NodeDatabase {
  prepare(sql: string): NodeStatement
  exec(sql: string): void
  close(): void
}
export interface NodeSqliteModule {
  DatabaseSync: new (
    path: string,
    options?: { enableForeignKeyConstraints?: boolean },
  ) => NodeDatabase
}

let nodeSqlite: NodeSqliteModule | null | undefined

/**
 * `node:sqlite`, or `null` where this Node has none (before 22.13 it is behind a flag). Node
 * marks the module experimental and warns once when it loads; that one warning is not printed
 * (Local Instant is a development tool, and the warning says nothing a user can act on).
 */
export function loadNodeSqlite(): NodeSqliteModule | null {
  if (nodeSqlite !== undefined) return nodeSqlite
  const emitWarning = process.emitWarning
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: any[]) {
    const text = typeof warning === 'string' ? warning : warning.message
    const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type
    if (type === 'ExperimentalWarning' && /SQLite/.test(text)) return
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest)
  } as typeof process.emitWarning
  try {
    nodeSqlite = requireBuiltin('node:sqlite') as NodeSqliteModule
  } catch {
    nodeSqlite = null
  } finally {
    process.emitWarning = emitWarning
  }
  return nodeSqlite
}
