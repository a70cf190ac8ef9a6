/**
 * The `instant-local` command, as a function (src/local/cli.ts is only its process wrapper):
 * parses flags, starts Local Instant, prints how to reach it.
 */
import { existsSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startLocalInstant, type LocalInstant, type LocalInstantLogger } from './index.js'
import { DEFAULT_MAGIC_CODE_EXPIRY_MINUTES } from './options.js'
import { defaultSqliteDriver, type SqliteDriver } from './sqlite.js'
import { PORT_RULE, expectedNumber, fitsNumberRule, type NumberRule } from '../options/numbers.js'
import { findProjectFiles, type ProjectFiles } from './project/index.js'
import { watchProjectFiles } from './project/watch.js'
import { runBackupCli } from './backup/cli.js'

/** The longest `--magic-code-expiry-minutes`: a year. */
const MAX_CLI_EXPIRY_MINUTES = 525_600

/** Default port of the CLI (the library default is 0, a free port). */
const DEFAULT_CLI_PORT = 8888
/** Default database file of the CLI, relative to the working directory. */
const DEFAULT_CLI_DB = '.instant-local/app.db'

export const USAGE = `Usage: instant-local [options]
       instant-local import <backup.zip> [--db FILE] [--replace]
       instant-local export <out.zip> [--db FILE]

Runs Local Instant, an Instant-compatible auth and data backend on SQLite.

Rules and schema files are watched: a save applies them again.

Options:
  --port N                        port to listen on (default ${DEFAULT_CLI_PORT}; 0 = any free port)
  --host HOST                     interface to listen on (default 127.0.0.1)
  --db FILE                       SQLite database file (default ${DEFAULT_CLI_DB}; ":memory:" for none)
  --app-id UUID                   app id (default: kept in the database, created on first start)
  --admin-token UUID              admin token (default: kept in the database, created on first start)
  --rules FILE                    permission rules (.ts/.js/.mjs/.cjs with a default export, or .json;
                                  default: the project's instant.perms.ts, found as instant-cli does)
  --schema FILE                   schema (same kinds; default: the project's instant.schema.ts)
  --magic-code-expiry-minutes N   magic code lifetime (default ${DEFAULT_MAGIC_CODE_EXPIRY_MINUTES})
  --sqlite DRIVER                 node:sqlite (default on Node 22.13+) or better-sqlite3
  -h, --help                      show this help

import and export read and write Instant's backup archive (instant-local import --help).
`

interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
  /** Receives Local Instant's log lines (default: stderr). */
  logger?: LocalInstantLogger
  /** Resolves relative paths (default: process.cwd()). */
  cwd?: string
  /** Where INSTANT_SCHEMA_FILE_PATH / INSTANT_PERMS_FILE_PATH are read (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>
}

export type CliResult = { exitCode: number } | { exitCode: undefined; local: LocalInstant }

class UsageError extends Error {}

/**
 * Runs the command. Resolves `{ exitCode }` when it is done (help, bad flags: exit code 2), or
 * `{ local }` while the server runs; the caller stops it with `local.close()`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<CliResult> {
  if (argv[0] === 'import' || argv[0] === 'export') {
    return { exitCode: await runBackupCli(argv[0], argv.slice(1), io) }
  }
  let options: Parameters<typeof startLocalInstant>[0]
  let files: ProjectFiles
  const cwd = io.cwd ?? process.cwd()
  try {
    const parsed = parseCliArgs(argv)
    if (parsed === 'help') {
      io.stdout(USAGE)
      return { exitCode: 0 }
    }
    files = projectFiles(parsed, cwd, io.env ?? process.env)
    options = {
      port: parsed.port,
      host: parsed.host,
      dbPath: parsed.db === ':memory:' ? parsed.db : resolve(cwd, parsed.db),
      appId: parsed.appId,
      adminToken: parsed.adminToken,
      magicCodeExpiryMinutes: parsed.magicCodeExpiryMinutes,
      sqlite: parsed.sqlite,
      rulesFile: files.rulesFile,
      schemaFile: files.schemaFile,
      logger: io.logger ?? { info: (m) => io.stderr(`${m}\n`), error: (m) => io.stderr(`${m}\n`) },
    }
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      io.stderr(`instant-local: ${(err as Error).message}\nRun instant-local --help for usage.\n`)
      return { exitCode: 2 }
    }
    throw err
  }
  let started: LocalInstant
  try {
    started = await startLocalInstant(options)
  } catch (err) {
    const hint =
      (err as { code?: unknown }).code === 'EADDRINUSE'
        ? ` (another process listens there: stop it, or pass --port 0 for any free port)`
        : ''
    io.stderr(`instant-local: could not start: ${(err as Error).message}${hint}\n`)
    return { exitCode: 1 }
  }
  const watched = (file: string | undefined) =>
    file === undefined ? undefined : `${file} (watched)`
  const stopWatching = watchProjectFiles(
    started,
    files,
    { info: (m) => io.stderr(`${m}\n`), error: (m) => io.stderr(`${m}\n`) },
    (file) => relative(cwd, file) || file,
  )
  const local: LocalInstant = {
    ...started,
    close() {
      stopWatching()
      return started.close()
    },
  }
  io.stdout(
    banner(local, {
      dbPath: `${options.dbPath ?? ''} (${options.sqlite ?? defaultSqliteDriver()})`,
      rules: watched(files.rulesFile),
      schema: watched(files.schemaFile),
    }),
  )
  return { exitCode: undefined, local }
}

/**
 * What the CLI prints once Local Instant listens: where it is, what it loaded, and the lines to
 * paste into the server's and the browser's `init`. The admin token is printed: it is this
 * database's own development credential, and the app needs it.
 */
function banner(
  local: LocalInstant,
  loaded: { dbPath: string; rules: string | undefined; schema: string | undefined },
): string {
  const { apiURI, websocketURI, appId, adminToken } = local
  return [
    `Local Instant is running at ${apiURI}`,
    `  websocket:   ${websocketURI}`,
    `  app id:      ${appId}`,
    `  admin token: ${adminToken}`,
    `  database:    ${loaded.dbPath}`,
    `  rules:       ${loaded.rules ?? 'none (every operation is allowed; --rules FILE to load some)'}`,
    `  schema:      ${loaded.schema ?? 'none (attributes are created as the app writes; --schema FILE)'}`,
    '',
    'Server (instant-express-auth/admin, or @instantdb/admin):',
    `  init({ appId: '${appId}', adminToken: '${adminToken}', apiURI: '${apiURI}' })`,
    '',
    'Browser (@instantdb/react or @instantdb/core); without websocketURI it dials Instant Cloud:',
    `  init({ appId: '${appId}', apiURI: '${apiURI}', websocketURI: '${websocketURI}' })`,
    '',
    'Environment for your app:',
    `INSTANT_APP_ID=${appId} INSTANT_APP_ADMIN_TOKEN=${adminToken} INSTANT_API_URI=${apiURI}`,
    '',
    'Magic codes are printed here instead of being emailed. Ctrl-C stops.',
    '',
  ].join('\n')
}

interface CliArgs {
  port: number
  host: string
  db: string
  appId?: string
  adminToken?: string
  rules?: string
  schema?: string
  magicCodeExpiryMinutes?: number
  sqlite?: SqliteDriver
}

function parseCliArgs(argv: readonly string[]): CliArgs | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      'app-id': { type: 'string' },
      'admin-token': { type: 'string' },
      rules: { type: 'string' },
      schema: { type: 'string' },
      'magic-code-expiry-minutes': { type: 'string' },
      sqlite: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help === true) return 'help'
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
  if (values['app-id'] !== undefined && !uuid.test(values['app-id'])) {
    throw new UsageError(`--app-id must be a UUID, got "${values['app-id']}"`)
  }
  if (values['admin-token'] !== undefined && !uuid.test(values['admin-token'])) {
    throw new UsageError('--admin-token must be a UUID')
  }
  const sqlite = values.sqlite
  if (sqlite !== undefined && sqlite !== 'node:sqlite' && sqlite !== 'better-sqlite3') {
    throw new UsageError(`--sqlite must be node:sqlite or better-sqlite3, got "${sqlite}"`)
  }
  return {
    sqlite,
    port: integerFlag('--port', values.port, DEFAULT_CLI_PORT, PORT_RULE),
    host: nonEmpty('--host', values.host) ?? '127.0.0.1',
    db: nonEmpty('--db', values.db) ?? DEFAULT_CLI_DB,
    appId: values['app-id'],
    adminToken: values['admin-token'],
    rules: nonEmpty('--rules', values.rules),
    schema: nonEmpty('--schema', values.schema),
    magicCodeExpiryMinutes:
      values['magic-code-expiry-minutes'] === undefined
        ? undefined
        : integerFlag('--magic-code-expiry-minutes', values['magic-code-expiry-minutes'], 0, {
            integer: true,
            min: 1,
            max: MAX_CLI_EXPIRY_MINUTES,
          }),
  }
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === '') throw new UsageError(`${flag} must not be empty`)
  return value
}

/** Parses a flag's digits; the library's number rules judge the value. */
function integerFlag(
  flag: string,
  raw: string | undefined,
  dflt: number,
  rule: NumberRule,
): number {
  if (raw === undefined) return dflt
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!fitsNumberRule(value, rule)) {
    throw new UsageError(`${flag} must be ${expectedNumber(rule)}, got "${raw}"`)
  }
  return value
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

/**
 * The files to load: `--rules` / `--schema` as given (they must exist), else the project's own,
 * found where Instant's CLI looks.
 */
function projectFiles(
  parsed: CliArgs,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): ProjectFiles {
  const given = (flag: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined
    const file = resolve(cwd, value)
    if (!existsSync(file)) throw new UsageError(`${flag} ${file}: no such file`)
    return file
  }
  let found: ProjectFiles = {}
  if (parsed.rules === undefined || parsed.schema === undefined) {
    try {
      found = findProjectFiles({ cwd, env })
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
  }
  const rulesFile = given('--rules', parsed.rules) ?? found.rulesFile
  const schemaFile = given('--schema', parsed.schema) ?? found.schemaFile
  return {
    ...(rulesFile === undefined ? {} : { rulesFile }),
    ...(schemaFile === undefined ? {} : { schemaFile }),
  }
}

/**
 * Stops `local` on the first SIGINT/SIGTERM (WAL checkpointed, database closed), then lets the
 * process exit with code 0; a second signal exits at once. The returned promise settles once
 * a signal-triggered shutdown has finished.
 */
export function closeOnSignals(
  local: LocalInstant,
  proc: Pick<NodeJS.Process, 'once' | 'exit'> & { exitCode?: number | string | undefined },
  io: Pick<CliIo, 'stderr'>,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      io.stderr(`instant-local: ${signal}, shutting down\n`)
      proc.once('SIGINT', () => proc.exit(130))
      proc.once('SIGTERM', () => proc.exit(143))
      local.close().then(
        () => {
          proc.exitCode = 0
          resolve()
        },
        (err: unknown) => {
          io.stderr(`instant-local: error while closing: ${(err as Error).message}\n`)
          proc.exitCode = 1
          resolve()
        },
      )
    }
    proc.once('SIGINT', onSignal)
    proc.once('SIGTERM', onSignal)
  })
}
