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
import { resolve } from 'node:path'
import { createAuth } from './auth/index.js'
import { createDataEngine, type DataEngine } from './data/index.js'
import type { RuleCoverageRow } from './data/permissions.js'
import { createMailbox, type Mailbox } from './mailbox.js'
import { resolveLocalInstantOptions, type LocalInstantOptions } from './options.js'
import { createRequestListener } from './server.js'
import {
  SESSION_PATH,
  attachSessions,
  withSessionNotices,
  type SessionHub,
  type SessionStats as LocalInstantStats,
} from './session/index.js'
import { getMeta, openStore, setMeta } from './database.js'
import { applyFromFile, loadRulesFile, loadSchemaFile } from './project/index.js'
import { importBackup, storedRules } from './backup/index.js'

export type { Mailbox, MailboxMessage } from './mailbox.js'
export { checkRules, type RulesProblem } from './data/check-rules.js'
export type { RuleCoverageRow } from './data/permissions.js'
export { LOCAL_INSTANT_INSTALL } from './dependencies.js'
export type { LocalInstantLogger } from './server.js'
export type { LocalInstantOptions } from './options.js'
export type { SqliteDriver } from './sqlite.js'
export type { SessionStats as LocalInstantStats } from './session/index.js'
export { BackupError } from './backup/index.js'
export type { BackupErrorPlace } from './backup/index.js'

/** A running Local Instant. */
export interface LocalInstant {
  /** Base URL to pass as `apiURI`, e.g. `http://127.0.0.1:54321`. */
  readonly apiURI: string
  /**
   * The realtime session's URL, for the browser SDK's `websocketURI`, e.g.
   * `ws://127.0.0.1:54321/runtime/session`. Without it the SDK dials Instant Cloud.
   */
  readonly websocketURI: string
  readonly appId: string
  readonly adminToken: string
  /** Magic codes "sent" by `send_magic_code` (admin and runtime). */
  readonly mailbox: Mailbox
  /**
   * Replaces the permission rules. Bad rules are refused with a `validation-failed` error that
   * names each bad rule's path (see {@link checkRules}), and the previous rules stay in force.
   */
  setRules(rules: unknown): void
  /** Applies a schema (`i.schema(...)` result or its JSON); attributes it lacks are kept. */
  setSchema(schema: unknown): void
  /**
   * One row per rule in force (`namespace`, `action`, `rule`, and how often it was `evaluated`,
   * `allowed`, `denied` or failed with `errors`), in the rules' order; rules never evaluated have
   * zeros. Counts survive a `setRules` that keeps a rule's text.
   *
   * @example
   * local.ruleCoverage().filter((row) => row.evaluated === 0) // the rules no test reached
   */
  ruleCoverage(): RuleCoverageRow[]
  /** Sets every rule coverage counter back to zero. */
  resetRuleCoverage(): void
  /**
   * Deletes every entity, user and refresh token (and magic code); keeps the schema's
   * attributes and the rules. For tests, between cases.
   */
  clearData(): void
  /**
   * Counters of the realtime sessions: open sessions, their live queries, and how many live
   * results commits have recomputed since the start (all 0 without `ws`).
   *
   * @example
   * const before = local.stats().recomputations
   * await db.transact(db.tx.todos[id()].update({ ownerId: alice }))
   * // local.stats().recomputations - before: the live queries this write could change
   */
  stats(): LocalInstantStats
  /** Stops the server (dropping idle keep-alive sockets) and closes the database. */
  close(): Promise<void>
}

/** How long close() lets in-flight requests finish before cutting their sockets. */
const CLOSE_GRACE_MS = 2_000

const META_APP_ID = 'app_id'
/** Stored in plain text: Local Instant must print it again on every start, and it is a dev credential. */
const META_ADMIN_TOKEN = 'admin_token'

/**
 * Starts Local Instant and resolves once it is listening.
 *
 * @example
 * const local = await startLocalInstant({ dbPath: '.instant-local/app.db', port: 8888 })
 * console.log(local.apiURI, local.appId)
 * await local.close()
 */
export async function startLocalInstant(options: LocalInstantOptions = {}): Promise<LocalInstant> {
  const opts = resolveLocalInstantOptions(options)
  const { logger } = opts
  // Read before the database opens: a broken file leaves nothing to clean up.
  const schema = opts.schemaFile === undefined ? opts.schema : await loadSchemaFile(opts.schemaFile)
  const rules = opts.rulesFile === undefined ? opts.rules : await loadRulesFile(opts.rulesFile)
  const db = openStore(opts.dbPath, opts.sqlite)
  let server: Server | undefined
  try {
    if (opts.backup !== undefined) {
      // As `instant-local import` without --replace: a database that holds data is refused.
      const summary = await importBackup(db, opts.backup)
      const total = Object.values(summary.imported).reduce((a, b) => a + b, 0)
      logger.info(`[instant-local] Imported ${total} entities from ${opts.backup}`)
      if (summary.fileBlobs > 0) {
        logger.info(
          `[instant-local] ${summary.fileBlobs} file blobs of the backup were not imported (no file storage yet); its $files rows were`,
        )
      }
    }
    const appId = opts.appId ?? getMeta(db, META_APP_ID) ?? randomUUID()
    const adminToken = opts.adminToken ?? getMeta(db, META_ADMIN_TOKEN) ?? randomUUID()
    setMeta(db, META_APP_ID, appId)
    setMeta(db, META_ADMIN_TOKEN, adminToken)

    const mailbox = createMailbox()
    const engine: DataEngine = createDataEngine(db, {
      appId,
      // From a file, they are applied below, so a failure names the file.
      schema: opts.schemaFile === undefined ? opts.schema : undefined,
      // Rules an import stored apply until others are given.
      rules: opts.rulesFile === undefined ? (opts.rules ?? storedRules(db)) : undefined,
      queryBudget: {
        maxQueryBytes: opts.maxQueryBytes,
        maxQueryForms: opts.maxQueryForms,
        maxResultRows: opts.maxResultRows,
        maxResultBytes: opts.maxResultBytes,
        timeoutMs: opts.queryTimeoutMs,
      },
    })
    if (opts.schemaFile !== undefined && schema !== undefined) {
      applyFromFile(resolve(opts.schemaFile), () => engine.setSchema(schema))
    }
    if (opts.rulesFile !== undefined && rules !== undefined) {
      applyFromFile(resolve(opts.rulesFile), () => engine.setRules(rules))
    }

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
      deliver(email, code, how) {
        mailbox.deliver({ email, code, sentAt: Date.now() })
        const by = how === 'generated' ? ' (generated for your app, which emails it)' : ''
        logger.info(`[instant-local] Magic code for ${email}${by}: ${code}`)
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
      limits: {
        maxSessionBufferBytes: opts.maxSessionBufferBytes,
        maxSessionsPerIp: opts.maxSessionsPerIp,
        maxSessionsPerUser: opts.maxSessionsPerUser,
        maxLiveQueries: opts.maxLiveQueries,
        maxLiveResultBytes: opts.maxLiveResultBytes,
      },
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
      websocketURI: `ws://${urlHost(opts.host)}:${port}${SESSION_PATH}`,
      appId,
      adminToken,
      mailbox,
      setRules: (next) => engine.setRules(next),
      setSchema: (next) => engine.setSchema(next),
      ruleCoverage: () => engine.ruleCoverage(),
      resetRuleCoverage: () => engine.resetRuleCoverage(),
      clearData() {
        engine.clearData()
        auth.invalidate()
        mailbox.clear()
      },
      stats: () => sessions.hub?.stats() ?? { sessions: 0, liveQueries: 0, recomputations: 0 },
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

/** The host part of `apiURI`: wildcard addresses become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}
