/**
 * `npm start`: the demo app against Local Instant (nothing to configure) or, when
 * `INSTANT_APP_ID` and `INSTANT_APP_ADMIN_TOKEN` are set, against that Instant app.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { init } from '../admin/index.js'
import { PORT_RULE, expectedNumber, fitsNumberRule } from '../options/numbers.js'
import { consoleEmail, memoryEmail } from '../email/index.js'
import { checkInstant } from '../index.js'
import { startLocalInstant } from '../local/index.js'
import { createDemoApp } from './app.js'
import { bundleBrowserTodos } from './bundle.js'
import { randomPassword, type DemoAccount } from './passwords.js'
import { DEMO_RULES } from './rules.js'

/** Where `npm start` keeps Local Instant's data between runs. */
const DEFAULT_DEMO_DB_PATH = '.instant-local/demo.db'
/** Instant Cloud's API, the browser SDK's default. */
const INSTANT_CLOUD_API_URI = 'https://api.instantdb.com'
/** The demo's port when `PORT` is not set. */
const DEFAULT_DEMO_PORT = 3000

/** The demo accounts against Local Instant; against a real app the passwords are random. */
const LOCAL_DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { email: 'alice@example.com', password: 'alice-demo-password' },
  { email: 'bob@example.com', password: 'bob-demo-password' },
]

interface InstantConnection {
  appId: string
  adminToken: string
  /** Default Instant Cloud. */
  apiURI?: string | undefined
}

interface StartDemoOptions {
  /** Default {@link DEFAULT_DEMO_PORT}; `0` picks a free port. */
  port?: number
  /** Default `'localhost'`. */
  host?: string
  /** Local Instant's SQLite file, or `':memory:'`. Default {@link DEFAULT_DEMO_DB_PATH}. */
  dbPath?: string
  /** Run against this Instant app instead of starting Local Instant. */
  instant?: InstantConnection | undefined
  /** Where start-up lines and magic codes are printed. Default `console.log`. */
  log?: (line: string) => void
}

export interface RunningDemo {
  /** The one URL to open, e.g. `http://localhost:3000`. */
  url: string
  port: number
  server: Server
  accounts: readonly DemoAccount[]
  /** Stops the app, then Local Instant (if started) and the admin client. */
  close(): Promise<void>
}

/**
 * Starts the demo: Local Instant with the demo rules (unless `instant` is given), the admin
 * client, and the app.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ port: 0, host: '127.0.0.1', dbPath: ':memory:' })
 * console.log(demo.url)
 * await demo.close()
 * ```
 */
export async function startDemo(options: StartDemoOptions = {}): Promise<RunningDemo> {
  const {
    port = DEFAULT_DEMO_PORT,
    host = 'localhost',
    dbPath = DEFAULT_DEMO_DB_PATH,
    instant,
    log = (line: string) => console.log(line),
  } = options
  const logger = { info: log, warn: log }
  // First, so a failed bundle leaves nothing running.
  const bundle = await bundleBrowserTodos()

  const local = instant
    ? undefined
    : await startLocalInstant({
        port: 0,
        host: '127.0.0.1',
        dbPath,
        rules: DEMO_RULES,
        // Quiet: the demo prints its own URL and codes; only failures get through.
        logger: { info: () => {}, error: (line) => console.error(line) },
      })
  const connection = instant ?? {
    appId: local!.appId,
    adminToken: local!.adminToken,
    apiURI: local!.apiURI,
  }
  const db = init(connection)
  try {
    // Fail at startup, naming the wrong setting, rather than answer every user 401 or 503.
    await checkInstant(db)
  } catch (error) {
    await Promise.allSettled([db.close(), local?.close()])
    throw error
  }
  const accounts = local
    ? LOCAL_DEMO_ACCOUNTS
    : LOCAL_DEMO_ACCOUNTS.map((a) => ({ email: a.email, password: randomPassword() }))

  const apiURI = connection.apiURI ?? INSTANT_CLOUD_API_URI
  const app = createDemoApp({
    db,
    browser: {
      instant: {
        appId: connection.appId,
        apiURI,
        websocketURI: `${apiURI.replace(/^http/, 'ws')}/runtime/session`,
      },
      bundle,
    },
    mailbox: local ? memoryEmail() : undefined,
    sendEmail: consoleEmail({ logger }),
    accounts,
    backend: local ? `Local Instant (${dbPath})` : (connection.apiURI ?? 'Instant Cloud'),
  })

  let server: Server
  try {
    server = await listen(app, port, host)
  } catch (error) {
    await Promise.allSettled([db.close(), local?.close()])
    throw error
  }
  const boundPort = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`

  log(`instant-express-auth demo: ${url}`)
  log(
    local
      ? `  Backend: Local Instant, data in ${dbPath}. Magic codes appear on the page's dev mailbox and here.`
      : `  Backend: Instant app ${connection.appId}. Magic codes appear here. Load the rules of src/demo/rules.ts into the app.`,
  )
  log(`  Password sign-in: ${accounts.map((a) => `${a.email} / ${a.password}`).join(', ')}`)

  let closing: Promise<void> | undefined
  return {
    url,
    port: boundPort,
    server,
    accounts,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await db.close()
        await local?.close()
      })()
      return closing
    },
  }
}

function listen(app: ReturnType<typeof createDemoApp>, port: number, host: string) {
  return new Promise<Server>((resolve, reject) => {
    const server = app.listen(port, host)
    server.once('listening', () => resolve(server))
    server.once('error', reject)
  })
}

/** Reads the environment and runs the demo until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const env = process.env
  const instant =
    env.INSTANT_APP_ID && env.INSTANT_APP_ADMIN_TOKEN
      ? {
          appId: env.INSTANT_APP_ID,
          adminToken: env.INSTANT_APP_ADMIN_TOKEN,
          apiURI: env.INSTANT_API_URI || undefined,
        }
      : undefined
  if (!instant && (env.INSTANT_APP_ID || env.INSTANT_APP_ADMIN_TOKEN)) {
    console.warn(
      'Set both INSTANT_APP_ID and INSTANT_APP_ADMIN_TOKEN to use your own app; using Local Instant.',
    )
  }
  const port = env.PORT ? Number(env.PORT) : DEFAULT_DEMO_PORT
  if (!fitsNumberRule(port, PORT_RULE)) {
    throw new TypeError(
      `PORT must be ${expectedNumber(PORT_RULE)}, got ${JSON.stringify(env.PORT)}`,
    )
  }
  const demo = await startDemo({ port, instant })
  const stop = (signal: NodeJS.Signals) => {
    console.log(`\n${signal}: stopping the demo`)
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
