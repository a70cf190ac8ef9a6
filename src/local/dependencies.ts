/**
 * Local Instant's dependencies, SQLite (better-sqlite3, a native module), CEL
 * (@marcbachmann/cel-js), RE2 for CEL's `matches()` (re2js) and websockets (ws), are optional
 * peers of the package: a production app that only mounts the routers installs none of them and
 * compiles nothing. They are loaded at first use, and a missing one fails with the one command
 * that installs them all (`ws` alone is optional: without it the realtime session is off).
 */
import type BetterSqlite3 from 'better-sqlite3'
import type * as CelJs from '@marcbachmann/cel-js'
import type * as Re2Js from 're2js'
import { requireOptional } from '../options/optional-dependency.js'

/** The one command that gets a developer Local Instant and its CLI (`npx instant-local`). */
export const LOCAL_INSTANT_INSTALL =
  'npm install --save-dev better-sqlite3@^12.6.2 @marcbachmann/cel-js@^8.0.0 re2js@^2.10.0 ws@^8.23.0'

/** The command for realtime sessions alone (`ws`), when the rest is installed. */
export const WS_INSTALL = 'npm install --save-dev ws@^8.23.0'

const USE = { feature: 'Local Instant', install: LOCAL_INSTANT_INSTALL }

/** better-sqlite3's `Database` constructor. */
export function loadSqlite(): typeof BetterSqlite3 {
  return requireOptional<typeof BetterSqlite3>('better-sqlite3', USE)
}

/** The @marcbachmann/cel-js module. */
export function loadCel(): typeof CelJs {
  return requireOptional<typeof CelJs>('@marcbachmann/cel-js', USE)
}

/** The re2js module (linear-time regular expressions for CEL's `matches()`). */
export function loadRe2(): typeof Re2Js {
  return requireOptional<typeof Re2Js>('re2js', USE)
}
