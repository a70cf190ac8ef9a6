/**
 * The options of {@link startLocalInstant}, their defaults, and the one place they are checked:
 * `resolveLocalInstantOptions` turns them into a `LocalInstantConfig` on the factory's first line
 * (express-rate-limit's `parseOptions()` → `Configuration`), and nothing after it checks an
 * option again.
 */
import type { LocalInstantLogger } from './http/send.js'
import { DEFAULT_RATE_LIMIT_MAX_KEYS } from './rate-limit.js'
import { DEFAULT_QUERY_BUDGET } from './data/query-budget.js'
import { DEFAULT_SESSION_LIMITS } from './session/limits.js'
import {
  PORT_RULE,
  resolveBytes,
  resolveNumber,
  resolvePositiveInt,
  resolveTimeoutMs,
} from '../options/numbers.js'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'
import { coerceUuid } from './params.js'
import { loadNodeSqlite } from './dependencies.js'
import { defaultSqliteDriver, type SqliteDriver } from './sqlite.js'

/** Instant's flag default `magic-code-rate-limit-per-hour`. */
export const DEFAULT_MAGIC_CODE_SENDS_PER_HOUR = 20
/** Instant uses the same bucket size for verification attempts per email. */
export const DEFAULT_MAGIC_CODE_VERIFIES_PER_HOUR = 20
/**
 * How long a magic code verifies: 10 minutes. Instant's flag default is 24 h; Local Instant
 * keeps the kit's bound, because its runtime route accepts codes from any guest.
 */
export const DEFAULT_MAGIC_CODE_EXPIRY_MINUTES = 10
/** Wrong guesses that burn an email's live code (a new one must be requested). */
export const DEFAULT_MAGIC_CODE_ATTEMPTS = 5
/**
 * Verification attempts per email per day. With one live code of 10^6 possibilities, a guesser
 * wins with probability ≤ 50 / 10^6 a day, ≤ 0.035% in a week.
 */
export const DEFAULT_MAGIC_CODE_VERIFIES_PER_DAY = 50

/** Runtime guest sign-ins per client IP per hour (each creates a user row). */
export const DEFAULT_GUEST_SIGN_INS_PER_HOUR = 300

/** Default host: loopback only. */
export const DEFAULT_HOST = '127.0.0.1'
/** Default database: in memory (gone on close). */
export const DEFAULT_DB_PATH = ':memory:'
/** Default request body limit: 4 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

/** The options of {@link startLocalInstant}; every one is optional. */
export interface LocalInstantOptions {
  /** TCP port; `0` (default) picks a free one. */
  port?: number
  /** Interface to listen on. Default `'127.0.0.1'`. */
  host?: string
  /** SQLite file (parent folders are created) or `':memory:'` (default). */
  dbPath?: string
  /** App id (UUID). Default: the one stored in the database, else a new random one (then stored). */
  appId?: string
  /** Admin token (UUID). Default: the one stored in the database, else a new random one (then stored). */
  adminToken?: string
  /**
   * How long a magic code stays valid. Default 10 (Instant's own default is 24 h; Local Instant
   * keeps the kit's bound because its runtime route takes codes from anyone).
   */
  magicCodeExpiryMinutes?: number
  /**
   * Wrong guesses that burn an email's live code (a new code must be requested). Only the
   * latest code of an email verifies. Default 5; `Infinity` disables.
   */
  magicCodeAttempts?: number
  /** Magic-code sends per email per hour (admin and runtime send). Default 20; `Infinity` disables. */
  magicCodeSendsPerHour?: number
  /** Magic-code verification attempts per email per hour. Default 20; `Infinity` disables. */
  magicCodeVerifiesPerHour?: number
  /** Magic-code verification attempts per email per day. Default 50; `Infinity` disables. */
  magicCodeVerifiesPerDay?: number
  /** Runtime guest sign-ins per client IP per hour (admin sign-ins are not limited). Default 300; `Infinity` disables. */
  guestSignInsPerHour?: number
  /**
   * Keys (emails, IPs) each rate limiter holds at most; when full and none has expired, new
   * keys are refused with 429 rather than resetting live counters. Default 100,000.
   */
  rateLimitMaxKeys?: number
  /** Permission rules in Instant's JSON format. */
  rules?: unknown
  /** The schema (`i.schema(...)` result or its JSON). */
  schema?: unknown
  /**
   * A file whose default export is the rules: `instant.perms.ts` (TypeScript loads on Node 20
   * too, with `jiti` installed), `.js`/`.mjs`/`.cjs` or `.json`. Relative to the working
   * directory. Not with `rules`.
   */
  rulesFile?: string
  /** A file whose default export is the schema, e.g. `instant.schema.ts`. Not with `schema`. */
  schemaFile?: string
  /**
   * Path of an Instant backup archive (`.zip`, Instant's "Backups" format) to seed the database
   * from before starting: schema, rules, entities with their ids, links and `$users`. As
   * `instant-local import`: all or nothing, and a database that already holds data is refused
   * (use `':memory:'`, the default, or a new file). Default: none.
   *
   * @example startLocalInstant({ backup: 'test/fixtures/app-backup.zip' })
   */
  backup?: string
  /** Receives log lines (magic codes, unexpected errors). Default `console`; `false` silences. */
  logger?: LocalInstantLogger | false
  /** Largest accepted request body in bytes (bigger → 413). Default 4 MiB. */
  maxBodyBytes?: number
  /** Largest query (its JSON, in characters) `/admin/query` runs; bigger → 400. Default 256 KiB. */
  maxQueryBytes?: number
  /** Most namespace forms (nested included) in one query; more → 400. Default 1,000. */
  maxQueryForms?: number
  /** Most entities (nested included) in one query's answer; more → 400. Default 100,000. */
  maxResultRows?: number
  /** Largest answer of one query, estimated as JSON while built; bigger → 400. Default 32 MiB. */
  maxResultBytes?: number
  /**
   * Longest one query may run; then it stops with 400 `timeout`. Queries run on the server's
   * only thread, so this bounds how long any other request can wait behind one. Default 3,000 ms.
   */
  queryTimeoutMs?: number
  /**
   * The SQLite driver: `'node:sqlite'`, Node's own (Node 22.13 and later: nothing to install or
   * compile), or `'better-sqlite3'` (a native module, an optional peer; the one on Node 20).
   * Default: `'node:sqlite'` where Node has it, else `'better-sqlite3'`. Both read and write the
   * same database files.
   */
  sqlite?: SqliteDriver
  /**
   * Bytes a realtime session's socket may hold unsent (a client that does not read); above it the
   * session's live queries stop being computed and it is closed (code 1013). Default 4 MiB.
   */
  maxSessionBufferBytes?: number
  /** Open realtime sessions per client IP; more are refused (`rate-limited`). Default 1,000. */
  maxSessionsPerIp?: number
  /** Realtime sessions signed in as one user; more are refused at `init`. Default 100. */
  maxSessionsPerUser?: number
  /** Live queries one realtime session may hold; more are refused. Default 1,000. */
  maxLiveQueries?: number
  /** Bytes (JSON) of one session's live results together; more are refused. Default 64 MiB. */
  maxLiveResultBytes?: number
}

/** Every key {@link startLocalInstant} accepts; anything else throws. */
const LOCAL_INSTANT_OPTIONS = {
  port: true,
  host: true,
  dbPath: true,
  appId: true,
  adminToken: true,
  magicCodeExpiryMinutes: true,
  magicCodeAttempts: true,
  magicCodeSendsPerHour: true,
  magicCodeVerifiesPerHour: true,
  magicCodeVerifiesPerDay: true,
  guestSignInsPerHour: true,
  rateLimitMaxKeys: true,
  rules: true,
  schema: true,
  rulesFile: true,
  schemaFile: true,
  backup: true,
  logger: true,
  maxBodyBytes: true,
  maxQueryBytes: true,
  maxQueryForms: true,
  maxResultRows: true,
  maxResultBytes: true,
  queryTimeoutMs: true,
  sqlite: true,
  maxSessionBufferBytes: true,
  maxSessionsPerIp: true,
  maxSessionsPerUser: true,
  maxLiveQueries: true,
  maxLiveResultBytes: true,
} as const satisfies OptionKeys<LocalInstantOptions>

/**
 * The options, checked and with their defaults: what {@link startLocalInstant} builds from.
 * `appId` and `adminToken` stay undefined when not given (the database may hold them).
 */
export type LocalInstantConfig = Required<
  Omit<
    LocalInstantOptions,
    'appId' | 'adminToken' | 'rules' | 'schema' | 'rulesFile' | 'schemaFile' | 'backup' | 'logger'
  >
> &
  Pick<
    LocalInstantOptions,
    'appId' | 'adminToken' | 'rules' | 'schema' | 'rulesFile' | 'schemaFile' | 'backup'
  > & {
    /** `console` by default; `false` became a logger that drops every line. */
    logger: LocalInstantLogger
  }

const FACTORY = 'startLocalInstant'

const consoleLogger: LocalInstantLogger = {
  info: (message) => console.log(message),
  error: (message) => console.error(message),
}
const silentLogger: LocalInstantLogger = { info: () => {}, error: () => {} }

/**
 * Checks `startLocalInstant`'s options and fills in the defaults. Throws a `TypeError` naming
 * the option; never changes the caller's object.
 */
export function resolveLocalInstantOptions(o: LocalInstantOptions): LocalInstantConfig {
  if (typeof o !== 'object' || o === null) {
    throw optionError(FACTORY, 'options', 'be an object', o)
  }
  checkOptionKeys(o, LOCAL_INSTANT_OPTIONS, 'startLocalInstant')
  const port = resolveNumber(o.port, { factory: FACTORY, option: 'port', default: 0, ...PORT_RULE })
  const check = (name: keyof LocalInstantOptions, value: unknown, ok: boolean, must: string) => {
    if (!ok) throw optionError(FACTORY, name, must, value)
  }
  const host = o.host ?? DEFAULT_HOST
  check('host', o.host, typeof host === 'string' && host !== '', 'be a non-empty string')
  check(
    'backup',
    o.backup,
    o.backup === undefined || (typeof o.backup === 'string' && o.backup !== ''),
    'be the path of a backup archive (a non-empty string)',
  )
  const dbPath = o.dbPath ?? DEFAULT_DB_PATH
  check('dbPath', o.dbPath, typeof dbPath === 'string' && dbPath !== '', 'be a non-empty string')
  let appId: string | undefined
  if (o.appId !== undefined) {
    appId = coerceUuid(o.appId)
    check('appId', o.appId, appId !== undefined, 'be a UUID')
  }
  let adminToken: string | undefined
  if (o.adminToken !== undefined) {
    adminToken = coerceUuid(o.adminToken)
    check('adminToken', o.adminToken, adminToken !== undefined, 'be a UUID')
  }
  // Limits and budgets are counts; Infinity turns one off.
  const limit = (option: keyof LocalInstantOptions, fallback: number) =>
    resolvePositiveInt(o[option], { factory: FACTORY, option, default: fallback, infinity: true })
  const bytes = (option: keyof LocalInstantOptions, fallback: number) =>
    resolveBytes(o[option], { factory: FACTORY, option, default: fallback, infinity: true })
  const logger = o.logger
  check(
    'logger',
    logger,
    logger === undefined ||
      logger === false ||
      (typeof logger === 'object' &&
        logger !== null &&
        typeof logger.info === 'function' &&
        typeof logger.error === 'function'),
    'be false or an object with info() and error()',
  )
  const sqlite = o.sqlite ?? defaultSqliteDriver()
  check(
    'sqlite',
    o.sqlite,
    sqlite === 'node:sqlite' || sqlite === 'better-sqlite3',
    "be 'node:sqlite' or 'better-sqlite3'",
  )
  if (sqlite === 'node:sqlite' && loadNodeSqlite() === null) {
    throw optionError(
      FACTORY,
      'sqlite',
      `be 'better-sqlite3' on Node ${process.version} ('node:sqlite' needs Node 22.13 or later)`,
      o.sqlite,
      "'node:sqlite'",
    )
  }
  return {
    port,
    host,
    sqlite,
    dbPath,
    appId,
    adminToken,
    magicCodeExpiryMinutes: resolveNumber(o.magicCodeExpiryMinutes, {
      factory: FACTORY,
      option: 'magicCodeExpiryMinutes',
      default: DEFAULT_MAGIC_CODE_EXPIRY_MINUTES,
      unit: 'minutes',
    }),
    magicCodeSendsPerHour: limit('magicCodeSendsPerHour', DEFAULT_MAGIC_CODE_SENDS_PER_HOUR),
    magicCodeVerifiesPerHour: limit(
      'magicCodeVerifiesPerHour',
      DEFAULT_MAGIC_CODE_VERIFIES_PER_HOUR,
    ),
    magicCodeAttempts: limit('magicCodeAttempts', DEFAULT_MAGIC_CODE_ATTEMPTS),
    magicCodeVerifiesPerDay: limit('magicCodeVerifiesPerDay', DEFAULT_MAGIC_CODE_VERIFIES_PER_DAY),
    guestSignInsPerHour: limit('guestSignInsPerHour', DEFAULT_GUEST_SIGN_INS_PER_HOUR),
    rateLimitMaxKeys: limit('rateLimitMaxKeys', DEFAULT_RATE_LIMIT_MAX_KEYS),
    maxBodyBytes: bytes('maxBodyBytes', DEFAULT_MAX_BODY_BYTES),
    maxQueryBytes: bytes('maxQueryBytes', DEFAULT_QUERY_BUDGET.maxQueryBytes),
    maxQueryForms: limit('maxQueryForms', DEFAULT_QUERY_BUDGET.maxQueryForms),
    maxResultRows: limit('maxResultRows', DEFAULT_QUERY_BUDGET.maxResultRows),
    maxResultBytes: bytes('maxResultBytes', DEFAULT_QUERY_BUDGET.maxResultBytes),
    queryTimeoutMs: resolveTimeoutMs(o.queryTimeoutMs, {
      factory: FACTORY,
      option: 'queryTimeoutMs',
      default: DEFAULT_QUERY_BUDGET.timeoutMs,
    }),
    maxSessionBufferBytes: bytes(
      'maxSessionBufferBytes',
      DEFAULT_SESSION_LIMITS.maxSessionBufferBytes,
    ),
    maxSessionsPerIp: limit('maxSessionsPerIp', DEFAULT_SESSION_LIMITS.maxSessionsPerIp),
    maxSessionsPerUser: limit('maxSessionsPerUser', DEFAULT_SESSION_LIMITS.maxSessionsPerUser),
    maxLiveQueries: limit('maxLiveQueries', DEFAULT_SESSION_LIMITS.maxLiveQueries),
    maxLiveResultBytes: bytes('maxLiveResultBytes', DEFAULT_SESSION_LIMITS.maxLiveResultBytes),
    rules: o.rules,
    schema: o.schema,
    rulesFile: resolveFileOption(o, 'rulesFile', 'rules'),
    schemaFile: resolveFileOption(o, 'schemaFile', 'schema'),
    backup: o.backup,
    logger: logger === false ? silentLogger : (logger ?? consoleLogger),
  }
}

/** `rulesFile` / `schemaFile`: a non-empty path, and not beside the object it stands for. */
function resolveFileOption(
  o: LocalInstantOptions,
  option: 'rulesFile' | 'schemaFile',
  object: 'rules' | 'schema',
): string | undefined {
  const file = o[option]
  if (file === undefined) return undefined
  if (typeof file !== 'string' || file.trim() === '') {
    throw optionError(FACTORY, option, 'be a path, e.g. "instant.perms.ts"', file)
  }
  if (o[object] !== undefined) {
    throw optionError(FACTORY, option, `not be given with \`${object}\``, file, 'both')
  }
  return file
}
