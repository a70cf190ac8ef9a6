// @ts-check
// One app instance of the multi-instance bench: `node bench/multi-instance/multi-app.js`, built
// kit from dist.
// Env: API_URI, APP_ID, ADMIN_TOKEN, REDIS_URL, STORE (redis | memory). Prints `{"port": n}`.
// Routes: POST /sign-in (any email), POST /custom-send-magic-code (limits raised so the bench
// measures their cost, not their 429s), POST /sign-out, GET /me (requireInstantUser).
import http from 'node:http'
import express from 'express'
import { init } from '../../dist/admin/index.js'
import {
  magicCodeRouter,
  requireInstantUser,
  signInRouter,
  signOutRouter,
} from '../../dist/index.js'

const db = init({
  appId: process.env.APP_ID ?? '',
  adminToken: process.env.ADMIN_TOKEN ?? '',
  apiURI: process.env.API_URI ?? '',
})
const logger = {
  warn: (/** @type {string} */ m) => process.stderr.write(m + '\n'),
  error: (/** @type {string} */ m) => process.stderr.write(m + '\n'),
}

/** @type {{ store?: import('../../dist/redis/index.js').RedisStore }} */
const shared = {}
if (process.env.STORE === 'redis') {
  const { createClient } = await import('redis')
  const { redisStore } = await import('../../dist/redis/index.js')
  const client = createClient({ url: process.env.REDIS_URL })
  client.on('error', (/** @type {Error} */ e) => logger.warn(`redis: ${e.name}`))
  await client.connect()
  shared.store = redisStore({ client, logger })
}

const HIGH = { limit: 1_000_000_000 }
const app = express()
const CODE_SECRET = 'bench-only-magic-code-secret-shared-by-instances'
app.use(
  signInRouter({
    db,
    logger,
    ...shared,
    // The same key on every instance (required with the Redis store); bench-only, not a secret.
    codeSecret: CODE_SECRET,
    authenticate: async (req) => ({ email: String(req.body.email) }),
  }),
)
app.use(
  magicCodeRouter({
    db,
    logger,
    ...shared,
    rateLimit: { resendCooldown: HIGH, sendsPerEmail: HIGH, sendsPerIp: HIGH },
    dailyLimits: { sendsPerEmail: 1_000_000_000 },
    codeSecret: CODE_SECRET,
    sendEmail: () => {},
  }),
)
app.use(signOutRouter({ db, logger, ...shared }))
app.get('/me', requireInstantUser({ db, logger, ...shared }), (req, res) => {
  res.json(/** @type {any} */ (req).instant.user)
})

const server = http.createServer((req, res) => {
  if (req.url === '/__bench/cpu') {
    const { user, system } = process.cpuUsage()
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ cpuUs: user + system }))
    return
  }
  app(req, res)
})
server.listen(0, '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address())
  process.stdout.write(JSON.stringify({ port: address.port }) + '\n')
})
process.on('SIGTERM', () => process.exit(0))
