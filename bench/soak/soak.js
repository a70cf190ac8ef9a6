// @ts-check
// Steady under load (`node --expose-gc bench/soak/soak.js`): this process is the app under test,
// `requireInstantUser` with its default cache in front of `res.json(req.instant.user)`. For
// SOAK_DURATION s (default 60) a load generator in its own process keeps SOAK_CONNECTIONS (200)
// connections busy over 1,000 users' tokens mixed with bogus ones (see soak-load.js). Local
// Instant runs in a third process on a SQLite file; it is stopped at 40 % of the run and started
// again, on the same port with the same data, at 50 % (SOAK_OUTAGES=n: n shorter outages).
// SOAK_APP=bare or undici runs the same soak against a control app instead. Prints one JSON line:
//   - every status the app answered, and the 5xx answers outside the outage window
//     (the only documented 5xx here is 503 auth_unavailable while Instant is down);
//   - unhandled rejections (must be 0);
//   - RSS after a full GC at 10 s and at the end, and the growth between them (the target:
//     ≤ 10 MB), with where it sits: live heap, V8's reserved spaces, external buffers, native
//     memory; and a memory sample every SOAK_SAMPLE_S s in between (soak-memory.js);
//   - event-loop delay p50/p99/max over the run (monitorEventLoopDelay, 10 ms resolution);
//   - the kit's own view, `instantStats(db)`, and how many warnings it logged.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { setTimeout as delay } from 'node:timers/promises'
import v8 from 'node:v8'
import express from 'express'
import * as admin from '../../dist/admin/index.js'
import * as kit from '../../dist/index.js'
import { tokenRoute, undiciVerifier } from '../shared/verify-route.js'
import { memoryGrowth, sampleMemory } from './soak-memory.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const DURATION_S = Number(process.env.SOAK_DURATION ?? 60)
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 200)
const USERS = Number(process.env.SOAK_USERS ?? 1_000)
/**
 * The app under test: `kit` (requireInstantUser, the default), `bare` (no authentication, the
 * same user JSON for every request) or `undici` (one pooled undici request to Local Instant's
 * verify endpoint per request, no cache): the two controls separate the kit's share of memory
 * from Node's, Express's and undici's.
 */
const APP = process.env.SOAK_APP ?? 'kit'
if (!['kit', 'bare', 'undici'].includes(APP)) throw new Error(`SOAK_APP: kit, bare or undici`)
/** A memory sample after a full GC every this many s (0: only at RSS_FIRST_AT_S and the end). */
const SAMPLE_EVERY_S = Number(process.env.SOAK_SAMPLE_S ?? 5)
/**
 * A directory: write a heap snapshot at RSS_FIRST_AT_S and at the end into it (diff them with
 * soak-heap-diff.js). Writing one takes seconds and leaves tens of MB of malloc'd memory
 * in RSS, so a run with snapshots says nothing about RSS growth.
 */
const SNAPSHOT_DIR = process.env.SOAK_HEAP_SNAPSHOTS ?? ''
/**
 * How long a memory sample waits after each of its two GCs, in ms. `gc()` returns before V8 has
 * finished: it sweeps pages and unmaps the freed ones on background threads, so RSS read at
 * once still counts pages already given back, by a different amount each time (a spread of
 * 40 MB between samples of one run, for the kit and the bare route alike). 100 ms lets them
 * finish; `rssAtGc` keeps the figure read at once. SOAK_SETTLE_MS=0 reads at once.
 */
const SETTLE_MS = Number(process.env.SOAK_SETTLE_MS ?? 100)
/**
 * How many times Local Instant is stopped and started again (default 1: down from 40 % to 50 %
 * of the run). With more, the outages share 40–90 % of the run, each down for a fifth of its
 * slot: to see whether memory grows with every outage or only once.
 */
const OUTAGES = Number(process.env.SOAK_OUTAGES ?? 1)
if (!Number.isInteger(OUTAGES) || OUTAGES < 1) throw new Error('SOAK_OUTAGES: an integer >= 1')
const OUTAGE_SLOT_S = (DURATION_S * 0.5) / OUTAGES
/** @type {Array<{ stopAtS: number, restartAtS: number }>} */
const OUTAGE_PLAN = Array.from({ length: OUTAGES }, (_, i) => ({
  stopAtS: DURATION_S * 0.4 + i * OUTAGE_SLOT_S,
  restartAtS: DURATION_S * 0.4 + i * OUTAGE_SLOT_S + OUTAGE_SLOT_S / 5,
}))
const RSS_FIRST_AT_S = Math.min(10, DURATION_S / 6)
/** After the restart, in-flight verifications and pooled connections settle within this, in s. */
const RECOVERY_GRACE_S = 5

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
// The outage windows, in s since t0: from the moment a stop begins until Local Instant listens
// again (plus RECOVERY_GRACE_S); set as they happen, since starting a process takes a while.
/** @type {Array<{ from: number, to: number }>} */
const outages = []
const app = express()
app.use((_req, res, next) => {
  res.on('finish', () => {
    const status = res.statusCode
    statusCodes[status] = (statusCodes[status] ?? 0) + 1
    if (status >= 500) {
      const at = (performance.now() - t0) / 1000
      const inOutage =
        status === 503 && outages.some((o) => at >= o.from && at <= o.to + RECOVERY_GRACE_S)
      if (!inOutage) fiveXxOutsideOutage[status] = (fiveXxOutsideOutage[status] ?? 0) + 1
    }
  })
  next()
})
/** @type {{ close: () => Promise<void> } | undefined} */
let control
if (APP === 'kit') {
  app.get('/me', kit.requireInstantUser({ db, logger }), (req, res) => {
    res.json(/** @type {any} */ (req).instant.user)
  })
} else if (APP === 'bare') {
  // The same body the kit answers for a valid token, without asking anyone.
  const { refresh_token: _secret, ...user } = /** @type {any} */ (
    await db.auth.verifyToken(/** @type {string} */ (tokens[0]))
  )
  app.get('/me', (_req, res) => {
    res.json(user)
  })
} else {
  // What a hand-written middleware on undici does: one keep-alive request per incoming request.
  const verifier = await undiciVerifier(apiURI, appId)
  control = verifier
  tokenRoute(app, verifier.verify)
}
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

/** @type {import('./soak-memory.js').MemorySample[]} */
const samples = []
const toMB = (/** @type {number} */ bytes) => Number((bytes / 1024 / 1024).toFixed(1))
const sinceStart = () => (performance.now() - t0) / 1000
/** @param {string} label */
async function sample(label) {
  gc()
  const rssAtGc = toMB(process.memoryUsage().rss)
  let liveHeap = toMB(process.memoryUsage().heapUsed)
  if (SETTLE_MS > 0) {
    // V8 sweeps and unmaps freed pages on background threads after the GC returns: give them
    // SETTLE_MS, collect what the sweep emptied, and give the unmapper SETTLE_MS again.
    await delay(SETTLE_MS)
    gc()
    liveHeap = toMB(process.memoryUsage().heapUsed)
    await delay(SETTLE_MS)
  }
  const s = { ...sampleMemory(sinceStart()), rssAtGc, liveHeap }
  samples.push(s)
  if (SNAPSHOT_DIR && (label === 'first' || label === 'end')) {
    v8.writeHeapSnapshot(join(SNAPSHOT_DIR, `soak-${APP}-${label}.heapsnapshot`))
  }
  return s
}
// Samples every SAMPLE_EVERY_S s besides the two the target reads, to see whether memory
// plateaus (a warm-up) or keeps climbing (a leak). The outage steps run beside them.
const sampler =
  SAMPLE_EVERY_S > 0
    ? setInterval(() => {
        const at = sinceStart()
        if (Math.abs(at - RSS_FIRST_AT_S) > 1 && at < DURATION_S - 1)
          void sample(`t${Math.round(at)}`)
      }, SAMPLE_EVERY_S * 1000)
    : undefined

const outagesDone = (async () => {
  /** @type {Array<[number, number]>} */
  const happened = []
  for (const { stopAtS, restartAtS } of OUTAGE_PLAN) {
    await until(stopAtS)
    const window = { from: sinceStart(), to: Infinity }
    outages.push(window)
    await stop(local.proc)
    const stoppedAt = sinceStart()
    await until(restartAtS)
    local = await start('soak-local.js', [], { DB_PATH: dbPath, PORT: String(localPort) })
    window.to = sinceStart()
    happened.push([Number(stoppedAt.toFixed(1)), Number(window.to.toFixed(1))])
  }
  return happened
})()

await until(RSS_FIRST_AT_S)
const memFirst = await sample('first')
/** @type {any} */
const loadResult = await load
const outagesS = await outagesDone
const [stoppedAt, restartedAt] = /** @type {[number, number]} */ (outagesS[0])
clearInterval(sampler)
const memLast = await sample('end')
const elapsedS = sinceStart()
eld.disable()

const stats = APP === 'kit' ? kit.instantStats(db) : undefined
server.closeAllConnections?.()
server.close()
await db.close()
await control?.close()
await stop(local.proc)
rmSync(dir, { recursive: true, force: true })

const ms = (/** @type {number} */ ns) => Number((ns / 1e6).toFixed(1))
process.stdout.write(
  JSON.stringify({
    durationS: DURATION_S,
    elapsedS: Number(elapsedS.toFixed(1)),
    connections: CONNECTIONS,
    users: USERS,
    stoppedAtS: stoppedAt,
    restartedAtS: restartedAt,
    outagesS,
    requests: loadResult.requests,
    rps: Math.round(loadResult.rps),
    clientErrors: loadResult.errors,
    clientTimeouts: loadResult.timeouts,
    statusCodes,
    fiveXxOutsideOutage,
    unhandledRejections,
    app: APP,
    rssAtFirstMB: memFirst.rss,
    rssAtEndMB: memLast.rss,
    rssGrowthMB: Number((memLast.rss - memFirst.rss).toFixed(1)),
    rssFirstAtS: RSS_FIRST_AT_S,
    settleMs: SETTLE_MS,
    heapSnapshots: SNAPSHOT_DIR !== '',
    // The same two samples read as gc() returned, before V8's background threads had finished.
    rssAtGcGrowthMB: Number((memLast.rssAtGc - memFirst.rssAtGc).toFixed(1)),
    // Objects still reachable after the GC: what a leak of ours would grow.
    liveHeapMB: [memFirst.liveHeap, memLast.liveHeap],
    liveHeapGrowthMB: Number((memLast.liveHeap - memFirst.liveHeap).toFixed(1)),
    // Where RSS growth sits: V8's live heap, its reserved spaces, off-heap buffers, or native.
    heapUsedMB: [memFirst.heapUsed, memLast.heapUsed],
    heapTotalMB: [memFirst.heapTotal, memLast.heapTotal],
    externalMB: [memFirst.external, memLast.external],
    growthMB: memoryGrowth(memFirst, memLast),
    memory: samples,
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
