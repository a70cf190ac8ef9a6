/**
 * Local Instant: an embedded, Instant-compatible backend on SQLite for development and tests.
 * Entry point `instant-express-auth/local`.
 *
 * @example
 * import { startLocalInstant } from 'instant-express-auth/local'
 * const local = await startLocalInstant()
 * const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
 */
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createAuth,
  DEFAULT_MAGIC_CODE_ATTEMPTS,
  DEFAULT_MAGIC_CODE_EXPIRY_MINUTES,
  DEFAULT_MAGIC_CODE_SENDS_PER_HOUR,
  DEFAULT_MAGIC_CODE_VERIFIES_PER_DAY,
  DEFAULT_MAGIC_CODE_VERIFIES_PER_HOUR,
} from './auth/index.js'
import { DEFAULT_GUEST_SIGN_INS_PER_HOUR } from './http/runtime-routes.js'
import { DEFAULT_RATE_LIMIT_MAX_KEYS } from './rate-limit.js'
import {
  DEFAULT_MAX_QUERY_BYTES,
  DEFAULT_MAX_QUERY_FORMS,
  DEFAULT_MAX_RESULT_BYTES,
  DEFAULT_MAX_RESULT_ROWS,
  DEFAULT_QUERY_TIMEOUT_MS,
} from './data/query-budget.js'
import { createDataEngine, type DataEngine } from './data/index.js'
import { createMailbox, type Mailbox } from './mailbox.js'
import {
  PORT_RULE,
  resolveBytes,
  resolveNumber,
  resolvePositiveInt,
  resolveTimeoutMs,
} from '../options/numbers.js'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'
import { coerceUuid } from './params.js'
import { createRequestListener, type LocalInstantLogger } from './server.js'
import { attachSessions, withSessionNotices, type SessionHub } from './session/index.js'
import { getMeta, openStore, setMeta } from './database.js'

export type { Mailbox, MailboxMessage } from './mailbox.js'
export { LOCAL_INSTANT_INSTALL } from './dependencies.js'
export type { LocalInstantLogger } from './server.js'
export {
  DEFAULT_GUEST_SIGN_INS_PER_HOUR,
  DEFAULT_MAGIC_CODE_ATTEMPTS,
  DEFAULT_MAGIC_CODE_EXPIRY_MINUTES,
  DEFAULT_MAGIC_CODE_SENDS_PER_HOUR,
  DEFAULT_MAGIC_CODE_VERIFIES_PER_DAY,
  DEFAULT_MAGIC_CODE_VERIFIES_PER_HOUR,
  DEFAULT_RATE_LIMIT_MAX_KEYS,
  DEFAULT_MAX_QUERY_BYTES,
  DEFAULT_MAX_QUERY_FORMS,
  DEFAULT_MAX_RESULT_BYTES,
  DEFAULT_MAX_RESULT_ROWS,
  DEFAULT_QUERY_TIMEOUT_MS,
}

/** Default host: loopback only. */
export const DEFAULT_HOST = '127.0.0.1'
/** Default database: in memory (gone on close). */
export const DEFAULT_DB_PATH = ':memory:'
/** Default request body limit: 4 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

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
  logger: true,
  maxBodyBytes: true,
  maxQueryBytes: true,
  maxQueryForms: true,
  maxResultRows: true,
  maxResultBytes: true,
  queryTimeoutMs: true,
} as const satisfies OptionKeys<LocalInstantOptions>

/** A running Local Instant. */
export interface LocalInstant {
  /** Base URL to pass as `apiURI`, e.g. `http://127.0.0.1:54321`. */
  readonly apiURI: string
  readonly appId: string
  readonly adminToken: string
  /** Magic codes "sent" by `send_magic_code` (admin and runtime). */
  readonly mailbox: Mailbox
  /** Replaces the permission rules. */
  setRules(rules: unknown): void
  /** Stops the server (dropping idle keep-alive sockets) and closes the database. */
  close(): Promise<void>
}

const FACTORY = 'startLocalInstant'

/** How long close() lets in-flight requests finish before cutting their sockets. */
const CLOSE_GRACE_MS = 2_000

const META_APP_ID = 'app_id'
/** Stored in plain text: Local Instant must print it again on every start, and it is a dev credential. */
const META_ADMIN_TOKEN = 'admin_token'

const consoleLogger: LocalInstantLogger = {
  info: (message) => console.log(message),
  error: (message) => console.error(message),
}
const silentLogger: LocalInstantLogger = { info: () => {}, error: () => {} }

/**
 * Starts Local Instant and resolves once it is listening.
 *
 * @example
 * const local = await startLocalInstant({ dbPath: '.instant-local/app.db', port: 8888 })
 * console.log(local.apiURI, local.appId)
 * await local.close()
 */
export async function startLocalInstant(options: LocalInstantOptions = {}): Promise<LocalInstant> {
  const opts = validateOptions(options)
  const logger = opts.logger === false ? silentLogger : (opts.logger ?? consoleLogger)
  const db = openStore(opts.dbPath)
  let server: Server | undefined
  try {
    const appId = opts.appId ?? getMeta(db, META_APP_ID) ?? randomUUID()
    const adminToken = opts.adminToken ?? getMeta(db, META_ADMIN_TOKEN) ?? randomUUID()
    setMeta(db, META_APP_ID, appId)
    setMeta(db, META_ADMIN_TOKEN, adminToken)

    const mailbox = createMailbox()
    const engine: DataEngine = createDataEngine(db, {
      appId,
      schema: opts.schema,
      rules: opts.rules,
      queryBudget: {
        maxQueryBytes: opts.maxQueryBytes,
        maxQueryForms: opts.maxQueryForms,
        maxResultRows: opts.maxResultRows,
        maxResultBytes: opts.maxResultBytes,
        timeoutMs: opts.queryTimeoutMs,
      },
    })

    // Set once the server exists; the auth wrapper below needs it for revocations.
    const sessions: { hub?: SessionHub } = {}
    const rawAuth = createAuth(db, {
      appId,
      magicCodeExpiryMinutes: opts.magicCodeExpiryMinutes,
      sendsPerHour: opts.magicCodeSendsPerHour,
      verifiesPerHour: opts.magicCodeVerifiesPerHour,
      verifiesPerDay: opts.magicCodeVerifiesPerDay,
      codeAttempts: opts.magicCodeAttempts,
      rateLimitMaxKeys: opts.rateLimitMaxKeys,
      signup: engine,
      deliver(email, code) {
        mailbox.deliver({ email, code, sentAt: Date.now() })
        logger.info(`[instant-local] Magic code for ${email}: ${code}`)
      },
      deleteUser: (userId) => engine.onUserDeleted(userId),
    })
    const auth = withSessionNotices(rawAuth, {
      usersChanged: () => engine.session.notifyWrite(['$users']),
      revokeToken: (token) => sessions.hub?.revokeToken(token),
      revokeUser: (userId) => sessions.hub?.revokeUser(userId),
    })

    const listener = createRequestListener({
      auth,
      engine,
      adminToken,
      maxBodyBytes: opts.maxBodyBytes,
      guestSignInsPerHour: opts.guestSignInsPerHour,
      rateLimitMaxKeys: opts.rateLimitMaxKeys,
      logger,
    })
    server = createServer({ keepAliveTimeout: 65_000 }, listener)
    const srv = server
    sessions.hub = await attachSessions(srv, {
      appId,
      adminToken,
      engine,
      auth,
      logger,
      maxPayloadBytes: opts.maxBodyBytes,
    })
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject)
      srv.listen(opts.port, opts.host, () => {
        srv.off('error', reject)
        resolve()
      })
    })
    const { port } = srv.address() as AddressInfo
    const apiURI = `http://${urlHost(opts.host)}:${port}`

    let closing: Promise<void> | undefined
    return {
      apiURI,
      appId,
      adminToken,
      mailbox,
      setRules: (next) => engine.setRules(next),
      close() {
        closing ??= new Promise<void>((resolve) => {
          // Upgraded sockets are no longer the HTTP server's: end the sessions first.
          sessions.hub?.close()
          srv.close(() => {
            db.pragma('wal_checkpoint(TRUNCATE)')
            db.close()
            resolve()
          })
          srv.closeIdleConnections()
          // Requests still in flight get a moment to finish, then their sockets go too.
          setTimeout(() => srv.closeAllConnections(), CLOSE_GRACE_MS).unref()
        })
        return closing
      },
    }
  } catch (err) {
    server?.close()
    db.close()
    throw err
  }
}

type ResolvedOptions = Required<
  Omit<LocalInstantOptions, 'appId' | 'adminToken' | 'rules' | 'schema' | 'logger'>
> &
  Pick<LocalInstantOptions, 'appId' | 'adminToken' | 'rules' | 'schema' | 'logger'>

function validateOptions(o: LocalInstantOptions): ResolvedOptions {
  if (typeof o !== 'object' || o === null) {
    throw new TypeError('startLocalInstant(options): options must be an object')
  }
  checkOptionKeys(o, LOCAL_INSTANT_OPTIONS, 'startLocalInstant')
  const port = resolveNumber(o.port, { factory: FACTORY, option: 'port', default: 0, ...PORT_RULE })
  const check = (name: keyof LocalInstantOptions, value: unknown, ok: boolean, what: string) => {
    if (!ok)
      throw new TypeError(`startLocalInstant: "${name}" must be ${what}, got ${String(value)}`)
  }
  const host = o.host ?? DEFAULT_HOST
  check('host', o.host, typeof host === 'string' && host !== '', 'a non-empty string')
  const dbPath = o.dbPath ?? DEFAULT_DB_PATH
  check('dbPath', o.dbPath, typeof dbPath === 'string' && dbPath !== '', 'a non-empty string')
  let appId: string | undefined
  if (o.appId !== undefined) {
    appId = coerceUuid(o.appId)
    check('appId', o.appId, appId !== undefined, 'a UUID')
  }
  let adminToken: string | undefined
  if (o.adminToken !== undefined) {
    adminToken = coerceUuid(o.adminToken)
    check('adminToken', '(hidden)', adminToken !== undefined, 'a UUID')
  }
  // Limits and budgets are counts; Infinity turns one off.
  const limit = (option: keyof LocalInstantOptions, fallback: number) =>
    resolvePositiveInt(o[option], { factory: FACTORY, option, default: fallback, infinity: true })
  const bytes = (option: keyof LocalInstantOptions, fallback: number) =>
    resolveBytes(o[option], { factory: FACTORY, option, default: fallback, infinity: true })
  const logger = o.logger
  check(
    'logger',
    'value',
    logger === undefined ||
      logger === false ||
      (typeof logger === 'object' &&
        logger !== null &&
        typeof logger.info === 'function' &&
        typeof logger.error === 'function'),
    'false or an object with info() and error()',
  )
  return {
    port,
    host,
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
    maxQueryBytes: bytes('maxQueryBytes', DEFAULT_MAX_QUERY_BYTES),
    maxQueryForms: limit('maxQueryForms', DEFAULT_MAX_QUERY_FORMS),
    maxResultRows: limit('maxResultRows', DEFAULT_MAX_RESULT_ROWS),
    maxResultBytes: bytes('maxResultBytes', DEFAULT_MAX_RESULT_BYTES),
    queryTimeoutMs: resolveTimeoutMs(o.queryTimeoutMs, {
      factory: FACTORY,
      option: 'queryTimeoutMs',
      default: DEFAULT_QUERY_TIMEOUT_MS,
    }),
    rules: o.rules,
    schema: o.schema,
    logger,
  }
}

/** The host part of `apiURI`: wildcard addresses become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}
