// @ts-check
// The apps under test of the throughput targets, by variant name (throughput/app.js serves
// one). Every variant answers `GET /me` with the same user JSON, so the variants differ only in
// how the request is authenticated:
//   bare            no authentication (the physical limit for this app)
//   kit-cache       requireInstantUser({ db }) with its default cache; the handler is the README's
//                   `/me` (res.json(req.instant.user)), so no scoped db is built
//   kit-nocache     requireInstantUser({ db, cache: false }); the handler also reads
//                   req.instant.db, as the SDK variant calls db.asUser({ token })
//   sdk             the official SDK: await db.auth.verifyToken(token) + db.asUser({ token })
//   undici          one pooled keep-alive undici request to the verify endpoint (the floor)
//   http-json       not Express: node:http reading a JSON body and answering JSON (any path)
// The kit and the SDK are imported only by the variants that use them: what a process loads is
// part of what it costs.
import express from 'express'
import { publicUser, tokenRoute, undiciVerifier } from '../shared/verify-route.js'

/**
 * What every variant is built from: Local Instant (API_URI, APP_ID, ADMIN_TOKEN) and the canned
 * user the bare variants answer with (BENCH_USER_JSON, captured from a real verification so the
 * bodies match in size). BENCH_CACHE_TTL_MS sets the kit variants' cache TTL (the diagnostics
 * run for minutes under valgrind: the cache must stay warm throughout).
 * @typedef {{ apiURI: string, appId: string, adminToken: string, cannedUser: Record<string, unknown>,
 *   cacheTtlMs: number | undefined }} AppEnv
 * @typedef {(env: AppEnv) => Promise<import('node:http').RequestListener>} AppBuilder
 */

/** An Express app whose `GET /me` answers `user` without asking anyone. @param {unknown} user */
export function bareApp(user) {
  const app = express()
  app.get('/me', (_req, res) => {
    res.json(user)
  })
  return app
}

/**
 * requireInstantUser in front of `res.json(req.instant.user)`.
 * @param {AppEnv} env
 * @param {{ cache: boolean, readsDb: boolean }} how `readsDb`: the handler also reads
 *   req.instant.db, so the lazy asUser() cost is counted where the comparison calls for it
 */
export async function kitApp(env, how) {
  const { init } = await import('../../dist/admin/index.js')
  const { requireInstantUser } = await import('../../dist/index.js')
  const db = init({ appId: env.appId, adminToken: env.adminToken, apiURI: env.apiURI })
  /** @type {any} */
  const options = { db }
  if (!how.cache) options.cache = false
  else if (env.cacheTtlMs !== undefined) options.cache = { ttlMs: env.cacheTtlMs }
  const app = express()
  app.get('/me', requireInstantUser(options), (req, res) => {
    const instant = /** @type {any} */ (req).instant
    if (how.readsDb && !instant.db) throw new Error('req.instant.db missing')
    res.json(instant.user)
  })
  return app
}

/** @type {Record<string, AppBuilder>} */
export const APP_VARIANTS = {
  async bare(env) {
    return bareApp(publicUser(env.cannedUser))
  },
  'kit-cache': (env) => kitApp(env, { cache: true, readsDb: false }),
  'kit-nocache': (env) => kitApp(env, { cache: false, readsDb: true }),
  async sdk(env) {
    // What users write today with the official SDK (global fetch per call).
    const { init } = await import('@instantdb/admin')
    const db = init({ appId: env.appId, adminToken: env.adminToken, apiURI: env.apiURI })
    const app = express()
    tokenRoute(app, async (token) => {
      const user = await db.auth.verifyToken(token)
      if (!db.asUser({ token })) throw new Error('asUser failed')
      return /** @type {any} */ (user)
    })
    return app
  },
  async undici(env) {
    const { verify } = await undiciVerifier(env.apiURI, env.appId)
    const app = express()
    tokenRoute(app, verify)
    return app
  },
  async 'http-json'(env) {
    // Not Express: the floor for any Node JSON endpoint (reads and parses the body, answers JSON).
    const body = JSON.stringify({ user: env.cannedUser })
    return (req, res) => {
      const chunks = /** @type {Buffer[]} */ ([])
      req.on('data', (chunk) => chunks.push(chunk))
      req.on('end', () => {
        if (chunks.length > 0) JSON.parse(Buffer.concat(chunks).toString('utf8'))
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(body)
      })
    }
  },
}
