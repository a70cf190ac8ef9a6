/**
 * The `instant-local` command, as a function (src/local/cli.ts is only its process wrapper):
 * parses flags, starts Local Instant, prints how to reach it.
 */
import { readFile } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { startLocalInstant, type LocalInstant, type LocalInstantLogger } from './index.js'
import { DEFAULT_MAGIC_CODE_EXPIRY_MINUTES } from './options.js'
import { defaultSqliteDriver, type SqliteDriver } from './sqlite.js'
import { PORT_RULE, expectedNumber, fitsNumberRule, type NumberRule } from '../options/numbers.js'
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

Options:
  --port N                        port to listen on (default ${DEFAULT_CLI_PORT}; 0 = any free port)
  --host HOST                     interface to listen on (default 127.0.0.1)
  --db FILE                       SQLite database file (default ${DEFAULT_CLI_DB}; ":memory:" for none)
  --app-id UUID                   app id (default: kept in the database, created on first start)
  --admin-token UUID              admin token (default: kept in the database, created on first start)
  --rules FILE                    permission rules (.json, or .js/.mjs with a default export)
  --schema FILE                   schema (.json, or .js/.mjs with a default export)
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
  let rulesFile: string | undefined
  let schemaFile: string | undefined
  try {
    const parsed = parseCliArgs(argv)
    if (parsed === 'help') {
      io.stdout(USAGE)
      return { exitCode: 0 }
    }
    const cwd = io.cwd ?? process.cwd()
    rulesFile = parsed.rules === undefined ? undefined : resolve(cwd, parsed.rules)
    schemaFile = parsed.schema === undefined ? undefined : resolve(cwd, parsed.schema)
    options = {
      port: parsed.port,
      host: parsed.host,
      dbPath: parsed.db === ':memory:' ? parsed.db : resolve(cwd, parsed.db),
      appId: parsed.appId,
      adminToken: parsed.adminToken,
      magicCodeExpiryMinutes: parsed.magicCodeExpiryMinutes,
      sqlite: parsed.sqlite,
      rules: rulesFile === undefined ? undefined : await loadFile(rulesFile, '--rules'),
      schema: schemaFile === undefined ? undefined : await loadFile(schemaFile, '--schema'),
      logger: io.logger ?? { info: (m) => io.stderr(`${m}\n`), error: (m) => io.stderr(`${m}\n`) },
    }
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      io.stderr(`instant-local: ${(err as Error).message}\nRun instant-local --help for usage.\n`)
      return { exitCode: 2 }
    }
    throw err
  }
  let local: LocalInstant
  try {
    local = await startLocalInstant(options)
  } catch (err) {
    const hint =
      (err as { code?: unknown }).code === 'EADDRINUSE'
        ? ` (another process listens there: stop it, or pass --port 0 for any free port)`
        : ''
    io.stderr(`instant-local: could not start: ${(err as Error).message}${hint}\n`)
    return { exitCode: 1 }
  }
  io.stdout(
    banner(local, {
      dbPath: `${options.dbPath ?? ''} (${options.sqlite ?? defaultSqliteDriver()})`,
      rules: rulesFile,
      schema: schemaFile,
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

async function loadFile(file: string, flag: string): Promise<unknown> {
  const ext = extname(file)
  try {
    if (ext === '.js' || ext === '.mjs' || ext === '.cjs') {
      const mod = (await import(pathToFileURL(file).href)) as { default?: unknown }
      return mod.default
    }
    return JSON.parse(await readFile(file, 'utf8')) as unknown
  } catch (err) {
    throw new UsageError(`${flag} ${file}: ${(err as Error).message}`)
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
