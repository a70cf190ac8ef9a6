/**
 * Local Instant's two dependencies, SQLite (better-sqlite3, a native module) and CEL
 * (@marcbachmann/cel-js), are optional peers of the package: a production app that only mounts
 * the routers installs neither and compiles nothing. They are loaded here, at first use, and a
 * missing one fails with the one command that installs both.
 */
import type BetterSqlite3 from 'better-sqlite3'
import type * as CelJs from '@marcbachmann/cel-js'
import { requireOptional } from '../core/optional-dependency.js'

/** The one command that gets a developer Local Instant and its CLI (`npx instant-local`). */
export const LOCAL_INSTANT_INSTALL =
  'npm install --save-dev better-sqlite3@^12.6.2 @marcbachmann/cel-js@^8.0.0'

const USE = { feature: 'Local Instant', install: LOCAL_INSTANT_INSTALL }

/** better-sqlite3's `Database` constructor. */
export function loadSqlite(): typeof BetterSqlite3 {
  return requireOptional<typeof BetterSqlite3>('better-sqlite3', USE)
}

/** The @marcbachmann/cel-js module. */
export function loadCel(): typeof CelJs {
  return requireOptional<typeof CelJs>('@marcbachmann/cel-js', USE)
}
