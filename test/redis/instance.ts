/**
 * One app instance for the multi-instance tests, run as its own process: an Express app with
 * the kit against a shared Local Instant and a shared Redis. Prints `{"port":n}` when listening,
 * then one `{"code":…}` line per magic code it sends (the test's mailbox).
 *
 * Env: API_URI, APP_ID, ADMIN_TOKEN, REDIS_URL, CLIENT (node-redis | ioredis), STORE (redis | memory).
 */
import { createServer } from 'node:http'
import express from 'express'
import { init } from '../../src/admin/index.js'
import {
  magicCodeRouter,
  instantHandler,
  requireInstantUser,
  signInRouter,
  signOutRouter,
} from '../../src/index.js'
import type { StateStore } from '../../src/state-store.js'
import { redisStore } from '../../src/redis/index.js'

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is required`)
  return value
}

const db = init({ appId: env('APP_ID'), adminToken: env('ADMIN_TOKEN'), apiURI: env('API_URI') })
const logger = {
  warn: (message: string) => void process.stderr.write(`warn: ${message}\n`),
  error: (message: string) => void process.stderr.write(`error: ${message}\n`),
}

async function connectStore(): Promise<StateStore | undefined> {
  if (process.env['STORE'] === 'memory') return undefined
  const url = env('REDIS_URL')
  // Only the client under test is loaded: each process starts faster.
  if (process.env['CLIENT'] === 'ioredis') {
    const { Redis } = await import('ioredis')
    const client = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: 1 })
    client.on('error', () => undefined)
    await new Promise((resolve) => client.once('ready', resolve))
    return redisStore({ client, logger })
  }
  const { createClient } = await import('redis')
  const client = createClient({ url, socket: { reconnectStrategy: () => 50 } })
  client.on('error', () => undefined)
  await client.connect()
  return redisStore({ client, logger })
}

const store = await connectStore()
// Every instance holds the same key, as an app's would come from its secrets.
const codeSecret = 'test-only-magic-code-secret-shared-by-instances'
const shared = store === undefined ? {} : { store }
/** What the routers that write emails to the store add: the shared key. */
const keyed = store === undefined ? {} : { store, codeSecret }
const app = express()
app.use(
  signInRouter({
    db,
    logger,
    ...keyed,
    // The tests' credential check: a password of "right" signs in as body.email.
    authenticate: async (req) =>
      req.body['password'] === 'right' ? { email: String(req.body['email']) } : null,
  }),
)
app.use(
  magicCodeRouter({
    db,
    logger,
    ...shared,
    codeSecret,
    // The test counts guesses, not send limits.
    rateLimit: { resendCooldown: false },
    sendEmail: ({ email, code }) =>
      void process.stdout.write(`${JSON.stringify({ email, code })}\n`),
  }),
)
app.use(signOutRouter({ db, logger, ...shared }))
app.use(signOutRouter({ db, logger, ...shared, path: '/sign-out-all', scope: 'all' }))
app.get(
  '/me',
  requireInstantUser({ db, logger, ...shared }),
  instantHandler((req, res) => {
    res.json({ id: req.instant.user.id })
  }),
)

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandledRejection: ${String(reason)}\n`)
  process.exitCode = 70
})

const server = createServer(app)
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit()))
