// @ts-check
// One app under test per process: `node bench/app.js <variant>`. Prints `{"port": n}` on stdout
// once it listens; SIGTERM closes it (and flushes a `--cpu-prof` profile).
//
// Every variant answers `GET /me` with the same user JSON, so the variants differ only in how the
// request is authenticated:
//   bare            no authentication (the physical limit for this app)
//   kit-cache       requireInstantUser({ db }) with its default cache; the handler is the README's
//                   `/me` (res.json(req.instant.user)), so no scoped db is built
//   kit-nocache     requireInstantUser({ db, cache: false }); the handler also reads
//                   req.instant.db, as the SDK variant calls db.asUser({ token })
//   sdk             the official SDK: await db.auth.verifyToken(token) + db.asUser({ token })
//   undici          one pooled keep-alive undici request to the verify endpoint (the floor)
//   http-json       not Express: node:http reading a JSON body and answering JSON (any path)
// Diagnostics: bare-noop, bare-setprop, bare-loaded, bare-undici, bare-ballast, kit-cache-db
// (kit-cache whose handler also reads req.instant.db), undici-dispatch (see bench/run.js).
//
// Environment: API_URI, APP_ID, ADMIN_TOKEN (Local Instant), BENCH_USER_JSON (the canned user the
// bare variants answer with, captured from a real verification so the bodies match in size),
// BENCH_CACHE_TTL_MS (the kit variants' cache TTL, for bench/instructions.js).
import http from 'node:http'
import express from 'express'

const variant = process.argv[2] ?? ''
const apiURI = process.env.API_URI ?? ''
const appId = process.env.APP_ID ?? ''
const adminToken = process.env.ADMIN_TOKEN ?? ''
const cannedUser = JSON.parse(process.env.BENCH_USER_JSON ?? '{"id":"bench"}')

const VERIFY_PATH = '/runtime/auth/verify_refresh_token'

/**
 * Drops `refresh_token` (the kit never hands it out) so every variant answers the same body.
 * @param {Record<string, unknown>} user
 */
function publicUser(user) {
  const { refresh_token: _secret, ...rest } = user
  return rest
}

/**
 * @param {import('express').Response} res
 * @param {unknown} err
 */
function sendVerifyError(res, err) {
  const status = /** @type {{ status?: number }} */ (err)?.status
  res.status(status === 400 ? 401 : 503).json({ error: status === 400 ? 'invalid' : 'unavailable' })
}

/**
 * `GET /__bench/cpu` answers this process's CPU time so far (µs), so the bench can charge CPU per
 * request, a figure that other work on the machine disturbs far less than throughput. With
 * `?gc=1` (and `--expose-gc`) it runs a full GC first, so that bench/allocations.js's window of
 * GC trace lines starts and ends on a GC.
 * @param {http.RequestListener} listener
 * @returns {http.RequestListener}
 */
function withCpuEndpoint(listener) {
  return (req, res) => {
    if (req.url?.startsWith('/__bench/cpu')) {
      if (req.url.endsWith('?gc=1')) globalThis.gc?.()
      const { user, system } = process.cpuUsage()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ cpuUs: user + system }))
      return
    }
    listener(req, res)
  }
}

/** @returns {Promise<http.RequestListener>} */
async function build() {
  if (variant === 'http-json') {
    // Not Express: the floor for any Node JSON endpoint (reads and parses the body, answers JSON).
    const body = JSON.stringify({ user: cannedUser })
    return (req, res) => {
      const chunks = /** @type {Buffer[]} */ ([])
      req.on('data', (chunk) => chunks.push(chunk))
      req.on('end', () => {
        if (chunks.length > 0) JSON.parse(Buffer.concat(chunks).toString('utf8'))
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(body)
      })
    }
  }

  const app = express()
  switch (variant) {
    case 'bare': {
      const user = publicUser(cannedUser)
      app.get('/me', (_req, res) => {
        res.json(user)
      })
      break
    }
    case 'bare-loaded': {
      // Diagnostic: the bare route in a process that has loaded (and built) everything the kit
      // variants load, to separate the cost of loaded modules from the middleware's own.
      const { init } = await import('../dist/admin/index.js')
      const { requireInstantUser } = await import('../dist/index.js')
      requireInstantUser({ db: init({ appId, adminToken, apiURI }) })
      const user = publicUser(cannedUser)
      app.get('/me', (_req, res) => {
        res.json(user)
      })
      break
    }
    case 'bare-undici':
    case 'bare-ballast': {
      // Diagnostics: the bare route in a process that also holds undici's module graph (about
      // 4 MB of heap) or the same amount of plain objects, to tell heap size from loaded code.
      if (variant === 'bare-undici') globalThis.benchBallast = await import('undici')
      else {
        globalThis.benchBallast = Array.from({ length: 19_000 }, (_, i) => ({
          id: `ballast-${i}`,
          values: [i, i + 1, i + 2],
          nested: { at: i },
        }))
      }
      const user = publicUser(cannedUser)
      app.get('/me', (_req, res) => {
        res.json(user)
      })
      break
    }
    case 'bare-setprop': {
      // Diagnostic: a synchronous middleware that only does what any auth middleware does, put
      // an object on `req` for the handler (no hashing, no cache, no scoped db).
      const user = Object.freeze(publicUser(cannedUser))
      /** @type {import('express').RequestHandler} */
      const setUser = (req, _res, next) => {
        ;/** @type {any} */ (req).instant = { user }
        next()
      }
      app.get('/me', setUser, (req, res) => {
        res.json(/** @type {any} */ (req).instant.user)
      })
      break
    }
    case 'bare-noop': {
      const user = publicUser(cannedUser)
      /** @type {import('express').RequestHandler} */
      const noop = (_req, _res, next) => next()
      app.get('/me', noop, (_req, res) => {
        res.json(user)
      })
      break
    }
    case 'kit-cache':
    case 'kit-cache-db':
    case 'kit-nocache': {
      const { init } = await import('../dist/admin/index.js')
      const { requireInstantUser } = await import('../dist/index.js')
      const db = init({ appId, adminToken, apiURI })
      /** @type {any} */
      const options = { db }
      if (variant === 'kit-nocache') options.cache = false
      // bench/instructions.js runs for minutes under valgrind: keep the cache warm throughout.
      else if (process.env.BENCH_CACHE_TTL_MS) {
        options.cache = { ttlMs: Number(process.env.BENCH_CACHE_TTL_MS) }
      }
      app.get('/me', requireInstantUser(options), (req, res) => {
        const instant = /** @type {any} */ (req).instant
        // Read the scoped db where the comparison calls for it (the SDK variant calls asUser()),
        // so the lazy asUser() cost is counted there.
        if (variant !== 'kit-cache' && !instant.db) throw new Error('req.instant.db missing')
        res.json(instant.user)
      })
      break
    }
    case 'sdk': {
      // What users write today with the official SDK (global fetch per call).
      const { init } = await import('@instantdb/admin')
      const db = init({ appId, adminToken, apiURI })
      app.get('/me', async (req, res) => {
        const token = req.headers.token
        if (typeof token !== 'string') {
          res.status(401).json({ error: 'missing' })
          return
        }
        try {
          const user = await db.auth.verifyToken(token)
          const scoped = db.asUser({ token })
          if (!scoped) throw new Error('asUser failed')
          res.json(publicUser(/** @type {any} */ (user)))
        } catch (err) {
          sendVerifyError(res, err)
        }
      })
      break
    }
    case 'undici': {
      // The floor for a verified request: one pooled keep-alive request per incoming request.
      const { Pool } = await import('undici')
      const pool = new Pool(new URL(apiURI).origin)
      const path = `${new URL(apiURI).pathname.replace(/\/$/, '')}${VERIFY_PATH}?app_id=${appId}`
      app.get('/me', async (req, res) => {
        const token = req.headers.token
        if (typeof token !== 'string') {
          res.status(401).json({ error: 'missing' })
          return
        }
        try {
          const up = await pool.request({
            path,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ 'app-id': appId, 'refresh-token': token }),
          })
          const data = /** @type {any} */ (await up.body.json())
          if (up.statusCode !== 200) throw Object.assign(new Error('verify'), { status: 400 })
          res.json(publicUser(data.user))
        } catch (err) {
          sendVerifyError(res, err)
        }
      })
      break
    }
    case 'undici-dispatch': {
      // Diagnostic: the same request through `pool.dispatch` with a bare handler, skipping the
      // Readable stream that `pool.request` builds for every response body.
      const { Pool } = await import('undici')
      const pool = new Pool(new URL(apiURI).origin)
      const path = `${new URL(apiURI).pathname.replace(/\/$/, '')}${VERIFY_PATH}?app_id=${appId}`
      const headers = { 'content-type': 'application/json' }
      /**
       * @param {string} body
       * @returns {Promise<{ status: number, text: string }>}
       */
      const post = (body) =>
        new Promise((resolve, reject) => {
          /** @type {Buffer[]} */
          const chunks = []
          let status = 0
          pool.dispatch(
            { path, method: 'POST', headers, body },
            {
              onRequestStart() {},
              onResponseStart(_controller, statusCode) {
                status = statusCode
              },
              onResponseData(_controller, chunk) {
                chunks.push(chunk)
              },
              onResponseEnd() {
                resolve({ status, text: Buffer.concat(chunks).toString('utf8') })
              },
              onResponseError(_controller, err) {
                reject(err)
              },
            },
          )
        })
      app.get('/me', async (req, res) => {
        const token = req.headers.token
        if (typeof token !== 'string') {
          res.status(401).json({ error: 'missing' })
          return
        }
        try {
          const up = await post(JSON.stringify({ 'app-id': appId, 'refresh-token': token }))
          if (up.status !== 200) throw Object.assign(new Error('verify'), { status: 400 })
          res.json(publicUser(JSON.parse(up.text).user))
        } catch (err) {
          sendVerifyError(res, err)
        }
      })
      break
    }
    default:
      throw new Error(`unknown variant ${JSON.stringify(variant)}`)
  }
  return app
}

const server = http.createServer(withCpuEndpoint(await build()))
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  process.stdout.write(JSON.stringify({ port: address.port }) + '\n')
})

let stopping = false
function stop() {
  if (stopping) return
  stopping = true
  server.closeAllConnections()
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
