// @ts-check
// Memory under a flood of bogus tokens, in-process (`node --expose-gc bench/memory/memory.js`): 1,000,000
// distinct UUID-shaped tokens go through `requireInstantUser`'s verification path, with a stub db
// whose verifyToken rejects like Instant does (400 record-not-found). Reports RSS growth and the
// largest cache size observed against the cache's configured bound. Prints one JSON line.
import { performance } from 'node:perf_hooks'
import { randomUUID } from 'node:crypto'
import * as admin from '../../dist/admin/index.js'
import * as kit from '../../dist/index.js'

const TOKENS = Number(process.env.BENCH_MEMORY_TOKENS ?? 1_000_000)
// In flight at once: roughly what 100 attacking keep-alive connections would keep busy.
const CONCURRENCY = 100
const WARMUP_TOKENS = 20_000
const CACHE_MAX = Number(process.env.BENCH_MEMORY_CACHE_MAX ?? 10_000)
const MB = 1024 * 1024

const gc = /** @type {(() => void) | undefined} */ (globalThis.gc)

/** An error shaped like Instant's answer to an unknown refresh token (§6, §7.6). */
function recordNotFound() {
  const body = {
    type: 'record-not-found',
    message: 'Record not found: app-user',
    hint: { 'record-type': 'app-user' },
  }
  const Ctor = /** @type {any} */ (admin).InstantAPIError
  if (typeof Ctor === 'function') return new Ctor({ status: 400, body })
  return Object.assign(new Error(body.message), {
    name: 'InstantAPIError',
    status: 400,
    body,
    hint: body.hint,
  })
}

let verifyCalls = 0
/** A stub db with the shape the kit needs; every token is unknown to it. */
const stubDb = {
  auth: {
    /** @param {string} _token */
    verifyToken: async (_token) => {
      verifyCalls++
      throw recordNotFound()
    },
  },
  asUser: () => stubDb,
  query: async () => ({}),
  transact: async () => ({}),
}

// `control` runs the same flood through a hand-written middleware with no cache, to show how much
// of the transient peak is V8 garbage that any verify-per-request code produces.
const CONTROL = process.argv[2] === 'control'

/** @type {(req: any, res: any, next: (err?: unknown) => void) => unknown} */
const middleware = CONTROL
  ? async function control(req, res, next) {
      try {
        req.instant = { user: await stubDb.auth.verifyToken(req.headers.token), db: stubDb }
        next()
      } catch {
        res.status(401).json({ code: 'invalid_token' })
      }
    }
  : kit.requireInstantUser(/** @type {any} */ ({ db: stubDb, cache: { max: CACHE_MAX } }))

/**
 * The verification cache's size, as the kit reports it (`instantStats(db).cacheSize`).
 * @returns {number}
 */
function cacheSize() {
  if (CONTROL) return 0
  return kit.instantStats(stubDb).cacheSize
}

/**
 * Runs the middleware with a fake req/res and resolves with the status it answered with.
 * @param {string} token
 * @returns {Promise<number>}
 */
function call(token) {
  return new Promise((resolve) => {
    /** @type {Record<string, string>} */
    const headers = { token }
    const req = {
      method: 'GET',
      url: '/me',
      originalUrl: '/me',
      headers,
      /** @param {string} name */
      get: (name) => headers[name.toLowerCase()],
      /** @param {string} name */
      header: (name) => headers[name.toLowerCase()],
      socket: { remoteAddress: '127.0.0.1' },
      ip: '127.0.0.1',
    }
    /** @type {Record<string, unknown>} */
    const resHeaders = {}
    const res = {
      statusCode: 200,
      headersSent: false,
      locals: {},
      /** @param {number} code */
      status(code) {
        this.statusCode = code
        return this
      },
      /** @param {string | Record<string, string>} name @param {unknown} [value] */
      set(name, value) {
        if (typeof name === 'string') resHeaders[name.toLowerCase()] = value
        else for (const [n, v] of Object.entries(name)) resHeaders[n.toLowerCase()] = v
        return this
      },
      /** @param {string} name @param {unknown} value */
      header(name, value) {
        return this.set(name, value)
      },
      /** @param {string} name @param {unknown} value */
      setHeader(name, value) {
        resHeaders[name.toLowerCase()] = value
      },
      /** @param {string} name */
      getHeader(name) {
        return resHeaders[name.toLowerCase()]
      },
      /** @param {string} name */
      removeHeader(name) {
        delete resHeaders[name.toLowerCase()]
      },
      type() {
        return this
      },
      /** @param {number} code */
      writeHead(code) {
        this.statusCode = code
        return this
      },
      json() {
        this.end()
      },
      send() {
        this.end()
      },
      end() {
        this.headersSent = true
        resolve(this.statusCode)
      },
    }
    /** @param {unknown} [err] */
    const next = (err) => {
      const status = /** @type {{ status?: number } | undefined} */ (err)?.status
      resolve(err ? (status ?? 500) : 200)
    }
    try {
      const r = /** @type {any} */ (middleware)(req, res, next)
      if (r && typeof r.catch === 'function') r.catch(next)
    } catch (err) {
      next(err)
    }
  })
}

/** @param {number} bytes */
const mb = (bytes) => bytes / MB

// Warm up the code paths and let the young generation reach its working size, then take the
// baseline after a full GC. The warm-up tokens are part of the flood (the cache may keep them).
/** @type {Record<string, number>} */
const statusCodes = {}
for (let done = 0; done < WARMUP_TOKENS; done += CONCURRENCY) {
  const batch = Array.from({ length: CONCURRENCY }, () => call(randomUUID()))
  for (const status of await Promise.all(batch)) {
    statusCodes[status] = (statusCodes[status] ?? 0) + 1
  }
}
gc?.()
await new Promise((r) => setTimeout(r, 50))
const rssBaseline = process.memoryUsage().rss
const heapBaseline = process.memoryUsage().heapUsed
let rssPeak = rssBaseline
let heapPeak = process.memoryUsage().heapUsed
let cacheMaxObserved = cacheSize()

const started = performance.now()
for (let done = WARMUP_TOKENS; done < TOKENS; done += CONCURRENCY) {
  const batch = []
  for (let i = 0; i < CONCURRENCY && done + i < TOKENS; i++) batch.push(call(randomUUID()))
  for (const status of await Promise.all(batch))
    statusCodes[status] = (statusCodes[status] ?? 0) + 1
  const size = cacheSize()
  if (size !== undefined && (cacheMaxObserved === undefined || size > cacheMaxObserved)) {
    cacheMaxObserved = size
  }
  if ((done / CONCURRENCY) % 50 === 0) {
    const mem = process.memoryUsage()
    if (mem.rss > rssPeak) rssPeak = mem.rss
    if (mem.heapUsed > heapPeak) heapPeak = mem.heapUsed
  }
}
const elapsedMs = performance.now() - started
const rssBeforeGc = process.memoryUsage().rss
if (rssBeforeGc > rssPeak) rssPeak = rssBeforeGc
gc?.()
await new Promise((r) => setTimeout(r, 50))
const rssFinal = process.memoryUsage().rss
const heapFinal = process.memoryUsage().heapUsed
const finalCacheSize = cacheSize()
if (
  finalCacheSize !== undefined &&
  (cacheMaxObserved === undefined || finalCacheSize > cacheMaxObserved)
) {
  cacheMaxObserved = finalCacheSize
}

process.stdout.write(
  JSON.stringify({
    mode: CONTROL ? 'control' : 'kit',
    tokens: TOKENS,
    elapsedMs,
    verifyCalls,
    statusCodes,
    rssBaselineMB: mb(rssBaseline),
    rssPeakMB: mb(rssPeak),
    rssFinalMB: mb(rssFinal),
    rssGrowthPeakMB: mb(rssPeak - rssBaseline),
    rssGrowthFinalMB: mb(rssFinal - rssBaseline),
    heapPeakMB: mb(heapPeak),
    heapRetainedGrowthMB: mb(heapFinal - heapBaseline),
    concurrency: CONCURRENCY,
    cacheBound: CACHE_MAX,
    cacheMaxObserved: cacheMaxObserved ?? null,
    cacheSizeSource: CONTROL ? 'none' : 'instantStats(db).cacheSize',
  }) + '\n',
)
