// @ts-check
// Diagnostic variants of throughput/app.js: to explain a gap between the kit and its floor
// rather than to judge a target (docs in bench/history.md). `npm run bench` runs them only when
// BENCH_VARIANTS names them; bench:paired, bench:instructions and bench:allocations take them too.
//   bare-noop        the bare route behind a no-op middleware (one router layer more)
//   bare-setprop     a middleware that only sets req.instant (what any auth middleware does)
//   bare-loaded      the bare route in a process that has loaded and built the kit's modules
//   bare-undici      the bare route in a process that also holds undici's module graph
//   bare-ballast     the bare route beside as much heap in plain objects (heap size vs code)
//   kit-cache-db     kit-cache whose handler also reads req.instant.db
//   undici-dispatch  the undici floor through pool.dispatch, skipping pool.request's stream
import express from 'express'
import { APP_VARIANTS, kitApp } from '../throughput/app-variants.js'
import { publicUser, refused, tokenRoute, verifyTarget } from '../shared/verify-route.js'

/**
 * For the throughput section: BENCH_VARIANTS may name these beside the target variants.
 * @type {import('../throughput/sections.js').Variant[]}
 */
export const DIAGNOSTIC_VARIANTS = [
  { name: 'kit-cache-db', label: '2b warm cache, handler reads .db', app: 'kit-cache-db' },
  { name: 'bare-noop', label: '1b bare route + no-op middleware', app: 'bare-noop' },
  { name: 'bare-setprop', label: '1d bare + middleware setting req.instant', app: 'bare-setprop' },
  { name: 'bare-loaded', label: '1c bare route, kit modules loaded', app: 'bare-loaded' },
  { name: 'bare-undici', label: '1e bare route, undici loaded', app: 'bare-undici' },
  { name: 'bare-ballast', label: '1f bare route, 4 MB of plain objects', app: 'bare-ballast' },
  { name: 'undici-dispatch', label: '5b undici Pool.dispatch verify', app: 'undici-dispatch' },
]

/** @type {Record<string, import('../throughput/app-variants.js').AppBuilder>} */
export const DIAGNOSTIC_APPS = {
  async 'bare-noop'(env) {
    const user = publicUser(env.cannedUser)
    const app = express()
    /** @type {import('express').RequestHandler} */
    const noop = (_req, _res, next) => next()
    app.get('/me', noop, (_req, res) => {
      res.json(user)
    })
    return app
  },
  async 'bare-setprop'(env) {
    const user = Object.freeze(publicUser(env.cannedUser))
    const app = express()
    /** @type {import('express').RequestHandler} */
    const setUser = (req, _res, next) => {
      ;/** @type {any} */ (req).instant = { user }
      next()
    }
    app.get('/me', setUser, (req, res) => {
      res.json(/** @type {any} */ (req).instant.user)
    })
    return app
  },
  async 'bare-loaded'(env) {
    // Loaded and built, never run: separates the cost of loaded modules from the middleware's own.
    const { init } = await import('../../dist/admin/index.js')
    const { requireInstantUser } = await import('../../dist/index.js')
    requireInstantUser({
      db: init({ appId: env.appId, adminToken: env.adminToken, apiURI: env.apiURI }),
    })
    return APP_VARIANTS.bare(env)
  },
  async 'bare-undici'(env) {
    // About 4 MB of heap: undici's whole module graph, as its entry point loads it.
    globalThis.benchBallast = await import('undici')
    return APP_VARIANTS.bare(env)
  },
  async 'bare-ballast'(env) {
    // The same amount of heap as bare-undici, in plain objects.
    globalThis.benchBallast = Array.from({ length: 19_000 }, (_, i) => ({
      id: `ballast-${i}`,
      values: [i, i + 1, i + 2],
      nested: { at: i },
    }))
    return APP_VARIANTS.bare(env)
  },
  'kit-cache-db': (env) => kitApp(env, { cache: true, readsDb: true }),
  async 'undici-dispatch'(env) {
    const { Pool } = await import('undici')
    const { origin, path } = verifyTarget(env.apiURI, env.appId)
    const pool = new Pool(origin)
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
    const app = express()
    tokenRoute(app, async (token) => {
      const up = await post(JSON.stringify({ 'app-id': env.appId, 'refresh-token': token }))
      if (up.status !== 200) throw refused()
      return JSON.parse(up.text).user
    })
    return app
  },
}
