// @ts-check
// Memory of the default state store at its bound (`node --expose-gc
// bench/memory/state-store-memory.js`, after `npm run build`): fills `memoryStore()` to its
// default 100,000 keys with the kit's own shapes (a magic-code record and its live marker per
// email, and the daily counters) by driving magicCodeRouter over loopback HTTP, one send and one
// wrong guess per email from an IP of its own, then adds as many keys again to show the bound
// holds. The router's per-window limits are off (`rateLimit: false`) so that only the store holds
// state; the daily ceilings, kept in the store, stay at their defaults. Prints one JSON line.
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { magicCodeRouter, memoryStore } from '../../dist/index.js'

const MB = 1024 * 1024
const KEYS = 100_000
/** Keys one email leaves: record, live marker, sends, two daily counters, attempts. */
const KEYS_PER_EMAIL = 6
const EMAILS = Math.ceil(KEYS / KEYS_PER_EMAIL)
const CONNECTIONS = 10
const gc = /** @type {(() => void) | undefined} */ (globalThis.gc)
if (gc === undefined) throw new Error('run with node --expose-gc')

/**
 * The router's db, shaped like an admin client: Instant would generate the code; the guesses
 * below are all wrong, so the router refuses them without asking Instant.
 */
const never = async () => {
  throw new Error('never reached')
}
const stubDb = /** @type {any} */ ({
  auth: {
    generateMagicCode: async () => ({ code: '123456' }),
    checkMagicCode: never,
    verifyToken: never,
  },
  asUser: never,
})

const store = memoryStore()
const router = magicCodeRouter({ db: stubDb, store, rateLimit: false, sendEmail: () => {} })
// Each email's client gets its own IP (as `trust proxy` would set req.ip), so that the daily
// per-client ceiling counts one attempt per client.
const server = http.createServer((req, res) => {
  ;/** @type {any} */ (req).ip = req.headers['x-bench-ip']
  router(req, res, () => {
    res.statusCode = 404
    res.end()
  })
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONNECTIONS })

/**
 * @param {string} path @param {Record<string, string>} body @param {string} ip
 * @param {number} expected the status the router must answer
 */
async function post(path, body, ip, expected) {
  const res = await pool.request({
    path,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bench-ip': ip },
    body: JSON.stringify(body),
  })
  await res.body.dump()
  if (res.statusCode !== expected) throw new Error(`${path} answered ${res.statusCode}`)
}

/** One send and one wrong guess for emails `from` to `from + n - 1`. */
async function fill(/** @type {number} */ from, /** @type {number} */ n) {
  let next = from
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < from + n) {
        const i = next++
        const email = `user-${i}@example.com`
        const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
        await post('/custom-send-magic-code', { email }, ip, 200)
        await post('/verify-magic-code', { email, code: '999999' }, ip, 401)
      }
    }),
  )
}

// The baseline counts the router, the server and the pool with its connections open: only
// the store grows from here.
await Promise.all(
  Array.from({ length: CONNECTIONS }, () =>
    pool.request({ path: '/warm', method: 'GET' }).then((res) => res.body.dump()),
  ),
)
gc()
const before = process.memoryUsage().heapUsed
const started = performance.now()
await fill(0, EMAILS)
const fillMs = performance.now() - started
gc()
const full = process.memoryUsage().heapUsed
await fill(EMAILS, EMAILS)
gc()
const twice = process.memoryUsage().heapUsed
await pool.close()
server.close()
console.log(
  JSON.stringify({
    bench: 'state-store-memory',
    keys: KEYS,
    heapAtBoundMB: +((full - before) / MB).toFixed(1),
    bytesPerKey: Math.round((full - before) / KEYS),
    heapAfterTwiceTheKeysMB: +((twice - before) / MB).toFixed(1),
    // Both requests over loopback HTTP, CONNECTIONS at a time.
    usPerSendAndGuess: +((fillMs * 1000) / EMAILS).toFixed(1),
  }),
)
