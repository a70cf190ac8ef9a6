// @ts-check
// Steady under load (`node --expose-gc bench/soak.js`): this process is the app under test,
// `requireInstantUser` with its default cache in front of `res.json(req.instant.user)`. For
// SOAK_DURATION s (default 60) a load generator in its own process keeps SOAK_CONNECTIONS (200)
// connections busy over 1,000 users' tokens mixed with bogus ones (see soak-load.js). Local
// Instant runs in a third process on a SQLite file; it is stopped at 40 % of the run and started
// again, on the same port with the same data, at 50 %. Prints one JSON line:
//   - every status the app answered, and the 5xx answers outside the outage window
//     (the only documented 5xx here is 503 auth_unavailable while Instant is down);
//   - unhandled rejections (must be 0);
//   - RSS after a full GC at 10 s and at the end, and the growth between them;
//   - event-loop delay p50/p99/max over the run (monitorEventLoopDelay, 10 ms resolution);
//   - the kit's own view, `instantStats(db)`, and how many warnings it logged.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import express from 'express'
import * as admin from '../dist/admin/index.js'
import * as kit from '../dist/express/index.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const DURATION_S = Number(process.env.SOAK_DURATION ?? 60)
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 200)
const USERS = Number(process.env.SOAK_USERS ?? 1_000)
const STOP_AT_S = DURATION_S * 0.4
const RESTART_AT_S = DURATION_S * 0.5
const RSS_FIRST_AT_S = Math.min(10, DURATION_S / 6)
/** After the restart, in-flight verifications and pooled connections settle within this, in s. */
const RECOVERY_GRACE_S = 5
const MB = 1024 * 1024

const gc = /** @type {() => void} */ (globalThis.gc)
if (typeof gc !== 'function') throw new Error('run with node --expose-gc')

let unhandledRejections = 0
process.on('unhandledRejection', () => void unhandledRejections++)

/**
 * Starts `node <script>` and resolves with its first stdout line as JSON.
 * @param {string} script @param {string[]} args @param {Record<string, string>} env
 * @returns {Promise<{ proc: import('node:child_process').ChildProcess, info: any }>}
 */
function start(script, args = [], env = {}) {
  const proc = spawn(process.execPath, [join(here, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let buf = ''
    proc.stdout?.setEncoding('utf8').on('data', (chunk) => {
      buf += chunk
      const nl = buf.indexOf('\n')
      if (nl !== -1 && !buf.startsWith('\u0000')) {
        const line = buf.slice(0, nl)
        buf = '\u0000' // resolved: ignore further output until exit
        resolve({ proc, info: JSON.parse(line) })
      }
    })
    proc.on('exit', (code) => reject(new Error(`${script} exited early (${code})`)))
  })
}

/** @param {import('node:child_process').ChildProcess} proc */
function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    proc.once('exit', () => resolve(undefined))
    proc.kill('SIGTERM')
  })
}

/** Runs the load generator to completion and parses its JSON line. @param {object} config */
function runLoad(config) {
  const proc = spawn(process.execPath, [join(here, 'soak-load.js'), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  proc.stdout?.setEncoding('utf8').on('data', (chunk) => (out += chunk))
  return new Promise((resolve, reject) => {
    proc.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? ''
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last))
      else reject(new Error(`soak-load failed (${code})`))
    })
  })
}

const dir = mkdtempSync(join(os.tmpdir(), 'iea-soak-'))
const dbPath = join(dir, 'soak.db')
let local = await start('soak-local.js', [], { DB_PATH: dbPath, PORT: '0' })
const { apiURI, port: localPort, appId, adminToken } = local.info

const db = admin.init({ appId, adminToken, apiURI })
/** @type {string[]} */
const tokens = []
for (let i = 0; i < USERS; i += 50) {
  const batch = []
  for (let j = i; j < Math.min(USERS, i + 50); j++)
    batch.push(db.auth.createToken({ email: `soak-${j}@example.com` }))
  tokens.push(...(await Promise.all(batch)))
}
const tokensFile = join(dir, 'tokens.json')
writeFileSync(tokensFile, JSON.stringify(tokens))

// The app under test.
const warnings = { warn: 0, error: 0 }
const logger = {
  warn: (/** @type {string} */ m) => {
    warnings.warn++
    process.stderr.write(`[soak app] ${m}\n`)
  },
  error: (/** @type {string} */ m) => {
    warnings.error++
    process.stderr.write(`[soak app] ${m}\n`)
  },
}
/** @type {Record<string, number>} */
const statusCodes = {}
/** @type {Record<string, number>} */
const fiveXxOutsideOutage = {}
let t0 = 0
// The outage window, in s since t0: from the moment the stop begins until Local Instant listens
// again (plus RECOVERY_GRACE_S); set as it happens, since starting a process takes a while.
let outageFrom = Infinity
let outageTo = Infinity
const app = express()
app.use((_req, res, next) => {
  res.on('finish', () => {
    const status = res.statusCode
    statusCodes[status] = (statusCodes[status] ?? 0) + 1
    if (status >= 500) {
      const at = (performance.now() - t0) / 1000
      const inOutage = status === 503 && at >= outageFrom && at <= outageTo + RECOVERY_GRACE_S
      if (!inOutage) fiveXxOutsideOutage[status] = (fiveXxOutsideOutage[status] ?? 0) + 1
    }
  })
  next()
})
app.get('/me', kit.requireInstantUser({ db, logger }), (req, res) => {
  res.json(/** @type {any} */ (req).instant.user)
})
const server = http.createServer(app)
await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
const appPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port

const eld = monitorEventLoopDelay({ resolution: 10 })
t0 = performance.now()
eld.enable()
const load = runLoad({
  url: `http://127.0.0.1:${appPort}/me`,
  tokensFile,
  connections: CONNECTIONS,
  duration: DURATION_S,
})

/** @param {number} s */
const until = (s) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + s * 1000 - performance.now())))

await until(RSS_FIRST_AT_S)
gc()
const memFirst = process.memoryUsage()
const rssFirst = memFirst.rss
await until(STOP_AT_S)
outageFrom = (performance.now() - t0) / 1000
await stop(local.proc)
const stoppedAt = (performance.now() - t0) / 1000
await until(RESTART_AT_S)
local = await start('soak-local.js', [], { DB_PATH: dbPath, PORT: String(localPort) })
const restartedAt = (performance.now() - t0) / 1000
outageTo = restartedAt
/** @type {any} */
const loadResult = await load
gc()
const memLast = process.memoryUsage()
const rssLast = memLast.rss
const elapsedS = (performance.now() - t0) / 1000
eld.disable()

const stats = kit.instantStats(db)
server.closeAllConnections?.()
server.close()
await db.close()
await stop(local.proc)
rmSync(dir, { recursive: true, force: true })

const ms = (/** @type {number} */ ns) => Number((ns / 1e6).toFixed(1))
process.stdout.write(
  JSON.stringify({
    durationS: DURATION_S,
    elapsedS: Number(elapsedS.toFixed(1)),
    connections: CONNECTIONS,
    users: USERS,
    stoppedAtS: Number(stoppedAt.toFixed(1)),
    restartedAtS: Number(restartedAt.toFixed(1)),
    requests: loadResult.requests,
    rps: Math.round(loadResult.rps),
    clientErrors: loadResult.errors,
    clientTimeouts: loadResult.timeouts,
    statusCodes,
    fiveXxOutsideOutage,
    unhandledRejections,
    rssAtFirstMB: Number((rssFirst / MB).toFixed(1)),
    rssAtEndMB: Number((rssLast / MB).toFixed(1)),
    rssGrowthMB: Number(((rssLast - rssFirst) / MB).toFixed(1)),
    rssFirstAtS: RSS_FIRST_AT_S,
    // Where RSS growth sits: V8's live heap, or memory outside it (sockets, buffers, allocator).
    heapUsedMB: [memFirst.heapUsed, memLast.heapUsed].map((b) => Number((b / MB).toFixed(1))),
    heapTotalMB: [memFirst.heapTotal, memLast.heapTotal].map((b) => Number((b / MB).toFixed(1))),
    externalMB: [memFirst.external, memLast.external].map((b) => Number((b / MB).toFixed(1))),
    eventLoopDelayMs: {
      p50: ms(eld.percentile(50)),
      p99: ms(eld.percentile(99)),
      max: ms(eld.max),
    },
    logged: warnings,
    stats,
  }) + '\n',
)
process.exit(0)
