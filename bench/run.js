// @ts-check
// `npm run bench`: every measurement in one run, so the ratios compare like with like.
//
// Separate processes for Local Instant (bench/local.js), each app under test (bench/app.js, fresh
// per variant and round) and the load generator (bench/load.js, autocannon), all on 127.0.0.1.
// Variants are interleaved within each round and the order is reversed every other round (ABBA),
// with compared pairs adjacent, so slow drift (thermal, other work on the machine) cancels out of
// each ratio. Ratios are the median of per-round ratios. The app's (and Local Instant's) CPU time
// per request is reported too: other work on the machine disturbs it far less than throughput.
//
// Environment knobs (all optional):
//   BENCH_ROUNDS=3  BENCH_DURATION=3  BENCH_WARMUP=1  BENCH_CONNECTIONS=50
//   BENCH_ONLY=throughput,paired,singleflight,memory,query,realtime,multi,soak   (sections to run)
//   MULTI_TRIALS=200                                  (sign-outs timed by the multi section)
//   BENCH_VARIANTS=bare,kit-cache,...                 (throughput variants, incl. diagnostics)
//   BENCH_PROFILE=1 (or app | local | all)            (`--cpu-prof` into bench/results/profiles)
//   BENCH_APP_FLAGS='--single-threaded-gc'            (node flags for the apps under test)
//   SOAK_CONTROL=none                                 (skip the soak's bare-route control run)
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'

const here = dirname(fileURLToPath(import.meta.url))
const resultsDir = join(here, 'results')
const profileDir = join(resultsDir, 'profiles')

const ROUNDS = intEnv('BENCH_ROUNDS', 3)
const DURATION_S = intEnv('BENCH_DURATION', 3)
const WARMUP_S = intEnv('BENCH_WARMUP', 1)
const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 50)
const BURST_N = 100
const BURST_TRIALS = 3
const SECTIONS = new Set(
  (process.env.BENCH_ONLY ?? 'throughput,paired,singleflight,memory,query,realtime,multi,soak')
    .split(',')
    .filter(Boolean),
)
const PROFILE = process.env.BENCH_PROFILE ?? ''
const APP_NODE_FLAGS = (process.env.BENCH_APP_FLAGS ?? '').split(' ').filter(Boolean)
const PROFILE_APP = ['1', 'app', 'all', 'true'].includes(PROFILE)
const PROFILE_LOCAL = ['local', 'all'].includes(PROFILE)
const VERIFY_PATH = '/runtime/auth/verify_refresh_token'

/**
 * The throughput variants. `app` names the bench/app.js variant; `direct` targets Local Instant.
 * `diagnostic` variants run only when named in BENCH_VARIANTS.
 * @typedef {{ name: string, label: string, app?: string, direct?: boolean, post?: boolean,
 *   diagnostic?: boolean }} Variant
 * @type {Variant[]}
 */
const ALL_VARIANTS = [
  // Compared pairs sit next to each other, so that with ABBA ordering they run back to back.
  { name: 'bare', label: '1 bare Express route', app: 'bare' },
  { name: 'kit-cache', label: '2 requireInstantUser, warm cache', app: 'kit-cache' },
  { name: 'kit-nocache', label: '3 requireInstantUser, cache:false, .db', app: 'kit-nocache' },
  { name: 'undici', label: '5 raw undici Pool verify (floor)', app: 'undici' },
  { name: 'sdk', label: '4 official SDK verifyToken + asUser', app: 'sdk' },
  { name: 'local-verify', label: '6a Local Instant verify endpoint', direct: true, post: true },
  { name: 'http-json', label: '6b bare node:http JSON server', app: 'http-json', post: true },
  // Diagnostics, to explain a gap rather than to judge a target.
  {
    name: 'kit-cache-db',
    label: '2b warm cache, handler reads .db',
    app: 'kit-cache-db',
    diagnostic: true,
  },
  {
    name: 'bare-noop',
    label: '1b bare route + no-op middleware',
    app: 'bare-noop',
    diagnostic: true,
  },
  {
    name: 'bare-setprop',
    label: '1d bare + middleware setting req.instant',
    app: 'bare-setprop',
    diagnostic: true,
  },
  {
    name: 'bare-loaded',
    label: '1c bare route, kit modules loaded',
    app: 'bare-loaded',
    diagnostic: true,
  },
  {
    name: 'undici-dispatch',
    label: '5b undici Pool.dispatch verify',
    app: 'undici-dispatch',
    diagnostic: true,
  },
]
const onlyVariants = process.env.BENCH_VARIANTS?.split(',').filter(Boolean)
for (const name of onlyVariants ?? []) {
  if (!ALL_VARIANTS.some((v) => v.name === name)) {
    throw new TypeError(
      `BENCH_VARIANTS: unknown variant ${JSON.stringify(name)}; known: ${ALL_VARIANTS.map((v) => v.name).join(', ')}`,
    )
  }
}
const VARIANTS = onlyVariants
  ? ALL_VARIANTS.filter((v) => onlyVariants.includes(v.name))
  : ALL_VARIANTS.filter((v) => !v.diagnostic)

/**
 * @param {string} name
 * @param {number} fallback
 */
function intEnv(name, fallback) {
  const raw = process.env[name]
  const n = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isFinite(n) || n < 0) throw new TypeError(`${name} must be a number, got ${raw}`)
  return n
}

/** @param {number[]} xs */
function median(xs) {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? /** @type {number} */ (s[mid]) : (Number(s[mid - 1]) + Number(s[mid])) / 2
}

/** @param {string} msg */
function log(msg) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
}

// ---------------------------------------------------------------------------------------------
// Child processes

/**
 * @typedef {{ proc: import('node:child_process').ChildProcess, name: string, stderrTail: string[] }} Child
 */

/** @type {Set<Child>} */
const live = new Set()

/**
 * Starts `node <script> ...args` and resolves with the first JSON line it prints on stdout.
 * @param {string} name
 * @param {string} script
 * @param {{ args?: string[], env?: Record<string, string>, nodeArgs?: string[], timeoutMs?: number }} [opts]
 * @returns {Promise<{ child: Child, info: any }>}
 */
function startChild(name, script, opts = {}) {
  const proc = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), join(here, script), ...(opts.args ?? [])],
    {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  /** @type {Child} */
  const child = { proc, name, stderrTail: [] }
  live.add(child)
  proc.on('exit', () => live.delete(child))
  proc.stderr?.setEncoding('utf8').on('data', (chunk) => {
    child.stderrTail.push(...String(chunk).split('\n').filter(Boolean))
    if (child.stderrTail.length > 30) child.stderrTail.splice(0, child.stderrTail.length - 30)
  })
  return new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => {
      fail(new Error(`${name} did not start within ${opts.timeoutMs ?? 20_000} ms`))
    }, opts.timeoutMs ?? 20_000)
    /** @param {Error} err */
    const fail = (err) => {
      clearTimeout(timer)
      proc.kill('SIGKILL')
      reject(new Error(`${err.message}\n  stderr: ${child.stderrTail.join('\n  ')}`))
    }
    const onData = (/** @type {string} */ chunk) => {
      buf += chunk
      const nl = buf.indexOf('\n')
      if (nl === -1) return
      proc.stdout?.off('data', onData)
      clearTimeout(timer)
      try {
        resolve({ child, info: JSON.parse(buf.slice(0, nl)) })
      } catch {
        fail(new Error(`${name} printed non-JSON: ${buf.slice(0, 200)}`))
      }
    }
    proc.stdout?.setEncoding('utf8').on('data', onData)
    proc.on('exit', (code, signal) => fail(new Error(`${name} exited early (${code ?? signal})`)))
  })
}

/**
 * Runs `node <script> ...args` to completion and parses the last JSON line of its stdout.
 * @param {string} name
 * @param {string} script
 * @param {{ args?: string[], env?: Record<string, string>, nodeArgs?: string[], timeoutMs: number }} opts
 * @returns {Promise<any>}
 */
function runChild(name, script, opts) {
  const proc = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), join(here, script), ...(opts.args ?? [])],
    {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  /** @type {Child} */
  const child = { proc, name, stderrTail: [] }
  live.add(child)
  let out = ''
  proc.stdout?.setEncoding('utf8').on('data', (chunk) => (out += chunk))
  proc.stderr?.setEncoding('utf8').on('data', (chunk) => {
    child.stderrTail.push(...String(chunk).split('\n').filter(Boolean))
    if (child.stderrTail.length > 30) child.stderrTail.splice(0, child.stderrTail.length - 30)
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs)
    proc.on('exit', (code, signal) => {
      clearTimeout(timer)
      live.delete(child)
      const last = out.trim().split('\n').pop() ?? ''
      if (code === 0 && last.startsWith('{')) {
        resolve(JSON.parse(last))
      } else {
        reject(
          new Error(
            `${name} failed (${code ?? signal})\n  stderr: ${child.stderrTail.join('\n  ')}`,
          ),
        )
      }
    })
  })
}

/** @param {Child} child */
function stopChild(child) {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.proc.kill('SIGKILL'), 5000)
    child.proc.once('exit', () => {
      clearTimeout(timer)
      resolve(undefined)
    })
    child.proc.kill('SIGTERM')
  })
}

function killAll() {
  for (const child of live) child.proc.kill('SIGKILL')
}
process.on('exit', killAll)
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(sig, () => {
    killAll()
    process.exit(130)
  })
}

/**
 * @param {string} label
 * @returns {string[]}
 */
function profileArgs(label) {
  mkdirSync(profileDir, { recursive: true })
  return ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${label}.cpuprofile`]
}

// ---------------------------------------------------------------------------------------------
// Local Instant helpers

/**
 * @typedef {{ apiURI: string, appId: string, adminToken: string, cpuURL: string }} LocalInfo
 */

/**
 * @param {string} label
 * @returns {Promise<{ child: Child, info: LocalInfo }>}
 */
function startLocal(label) {
  return startChild(label, 'local.js', {
    nodeArgs: PROFILE_LOCAL ? profileArgs(label) : [],
  })
}

/** @param {string} apiURI @param {string} path */
function endpoint(apiURI, path) {
  return apiURI.replace(/\/$/, '') + path
}

/**
 * Mints a refresh token for `email` with the admin API (creates the user if missing).
 * @param {LocalInfo} local
 * @param {string} email
 * @returns {Promise<string>}
 */
async function createToken(local, email) {
  const res = await request(endpoint(local.apiURI, `/admin/refresh_tokens?app_id=${local.appId}`), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'app-id': local.appId,
      authorization: `Bearer ${local.adminToken}`,
    },
    body: JSON.stringify({ email }),
  })
  const body = /** @type {any} */ (await res.body.json())
  if (res.statusCode !== 200 || typeof body?.user?.refresh_token !== 'string') {
    throw new Error(`createToken: ${res.statusCode} ${JSON.stringify(body)}`)
  }
  return body.user.refresh_token
}

/**
 * @param {LocalInfo} local
 * @param {string} token
 * @returns {Promise<Record<string, unknown>>}
 */
async function verifyDirect(local, token) {
  const res = await request(endpoint(local.apiURI, `${VERIFY_PATH}?app_id=${local.appId}`), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ 'app-id': local.appId, 'refresh-token': token }),
  })
  const body = /** @type {any} */ (await res.body.json())
  if (res.statusCode !== 200 || typeof body?.user !== 'object') {
    throw new Error(`verify: ${res.statusCode} ${JSON.stringify(body)}`)
  }
  return body.user
}

// ---------------------------------------------------------------------------------------------
// Sections

/**
 * @param {LocalInfo} local
 * @param {string} token
 * @param {Record<string, unknown>} user
 */
async function throughputSection(local, tokens, user) {
  const appEnv = {
    API_URI: local.apiURI,
    APP_ID: local.appId,
    ADMIN_TOKEN: local.adminToken,
    BENCH_USER_JSON: JSON.stringify(user),
  }
  // One user (token) per connection.
  const perConnectionGet = tokens.map((token) => ({ headers: { token } }))
  const perConnectionPost = tokens.map((token) => ({
    body: JSON.stringify({ 'app-id': local.appId, 'refresh-token': token }),
  }))
  /** @type {Record<string, any[]>} */
  const runs = Object.fromEntries(VARIANTS.map((v) => [v.name, []]))

  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, and reversed every other round (ABBA): linear drift cancels out of each pair.
    const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()
    for (const v of order) {
      /** @type {Child | undefined} */
      let app
      /** @type {string} */
      let url
      /** @type {Record<string, string>} */
      const cpuURLs = { local: local.cpuURL }
      try {
        if (v.direct) {
          url = endpoint(local.apiURI, `${VERIFY_PATH}?app_id=${local.appId}`)
        } else {
          const label = `app-${v.name}-r${round + 1}`
          const started = await startChild(label, 'app.js', {
            args: [/** @type {string} */ (v.app)],
            env: appEnv,
            nodeArgs: [...APP_NODE_FLAGS, ...(PROFILE_APP ? profileArgs(label) : [])],
          })
          app = started.child
          url = `http://127.0.0.1:${started.info.port}${v.post ? '/' : '/me'}`
          cpuURLs.app = `http://127.0.0.1:${started.info.port}/__bench/cpu`
        }
        const result = await runChild(`load-${v.name}`, 'load.js', {
          args: [
            JSON.stringify({
              mode: 'throughput',
              url,
              method: v.post ? 'POST' : 'GET',
              headers: v.post ? { 'content-type': 'application/json' } : {},
              perConnection: v.post ? perConnectionPost : perConnectionGet,
              connections: CONNECTIONS,
              duration: DURATION_S,
              warmup: WARMUP_S,
              cpuURLs,
            }),
          ],
          timeoutMs: (DURATION_S + WARMUP_S + 30) * 1000,
        })
        runs[v.name]?.push(result)
        log(
          `round ${round + 1} ${v.name.padEnd(12)} ${Math.round(result.rps)} req/s` +
            (result.non2xx || result.errors
              ? `  (non-2xx ${result.non2xx}, errors ${result.errors}: ${JSON.stringify(result.statusCodes)})`
              : ''),
        )
      } catch (err) {
        log(`round ${round + 1} ${v.name}: FAILED ${/** @type {Error} */ (err).message}`)
        runs[v.name]?.push({ failed: String(/** @type {Error} */ (err).message).slice(0, 500) })
      } finally {
        if (app) await stopChild(app)
      }
    }
  }

  /** @type {Record<string, any>} */
  const summary = {}
  for (const v of VARIANTS) {
    const ok = (runs[v.name] ?? []).filter((r) => !r.failed)
    const valid = ok.filter((r) => r.non2xx === 0 && r.errors === 0)
    summary[v.name] = {
      label: v.label,
      rpsMedian: median(valid.map((r) => r.rps)),
      latencyP50MsMedian: median(valid.map((r) => r.latencyP50Ms)),
      latencyP99MsMedian: median(valid.map((r) => r.latencyP99Ms)),
      // CPU µs per request of the servers (app and Local Instant): what other work on the
      // machine disturbs far less than throughput.
      appCpuUsPerRequest: median(valid.map((r) => r.cpuUsPerRequest?.app ?? 0)),
      localCpuUsPerRequest: median(valid.map((r) => r.cpuUsPerRequest?.local ?? 0)),
      serverCpuUsPerRequest: median(
        valid.map((r) => (r.cpuUsPerRequest?.app ?? 0) + (r.cpuUsPerRequest?.local ?? 0)),
      ),
      validRounds: valid.length,
      rounds: runs[v.name],
    }
  }
  return summary
}

/**
 * Single-flight: N concurrent requests with one brand-new token must cause exactly one upstream
 * verification. The counting proxy holds each verification for 200 ms so all N requests are
 * in flight at once; without coalescing the count would be close to N. A control run of the
 * official-SDK route shows the proxy does count every verification it sees.
 * @param {LocalInfo} local
 */
async function singleFlightSection(local) {
  const proxy = await startChild('proxy', 'proxy.js', {
    env: { UPSTREAM: new URL(local.apiURI).origin, PROXY_VERIFY_DELAY_MS: '200' },
  })
  const proxyOrigin = `http://127.0.0.1:${proxy.info.port}`
  const appEnv = {
    API_URI: proxyOrigin + new URL(local.apiURI).pathname.replace(/\/$/, ''),
    APP_ID: local.appId,
    ADMIN_TOKEN: local.adminToken,
  }

  /**
   * @param {Child} app
   * @param {number} port
   * @param {string} label
   */
  async function burst(app, port, label) {
    const token = await createToken(local, `${label}-${Date.now()}@example.com`)
    await request(`${proxyOrigin}/__bench/reset`, { method: 'POST' }).then((r) => r.body.dump())
    const result = await runChild('load-burst', 'load.js', {
      args: [
        JSON.stringify({
          mode: 'burst',
          url: `http://127.0.0.1:${port}/me`,
          headers: { token },
          n: BURST_N,
        }),
      ],
      timeoutMs: 30_000,
    })
    const counts = /** @type {any} */ (
      await (await request(`${proxyOrigin}/__bench/count`)).body.json()
    )
    log(
      `single-flight ${label} (${app.name}): ${counts.verify} upstream verification(s) for ` +
        `${BURST_N} concurrent requests, statuses ${JSON.stringify(result.statusCodes)}`,
    )
    return { verifications: counts.verify, ...result }
  }

  const trials = []
  /** @type {any} */
  let control
  try {
    const kit = await startChild('app-singleflight-kit', 'app.js', {
      args: ['kit-cache'],
      env: appEnv,
    })
    try {
      for (let t = 0; t < BURST_TRIALS; t++) {
        trials.push(await burst(kit.child, kit.info.port, `trial-${t + 1}`))
      }
    } finally {
      await stopChild(kit.child)
    }
    const sdk = await startChild('app-singleflight-sdk', 'app.js', { args: ['sdk'], env: appEnv })
    try {
      control = await burst(sdk.child, sdk.info.port, 'control-sdk')
    } finally {
      await stopChild(sdk.child)
    }
  } finally {
    await stopChild(proxy.child)
  }
  return { n: BURST_N, trials, control }
}

/** @param {number} x @param {number} digits */
const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a')

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const startedAt = new Date()
  const env = {
    date: startedAt.toISOString(),
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadavgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    rounds: ROUNDS,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    connections: CONNECTIONS,
    pipelining: 1,
  }
  log(
    `node ${env.node}, ${env.cpus} cores, load ${env.loadavgAtStart.join(' ')}; ` +
      `${ROUNDS} rounds × ${VARIANTS.length} variants × (${WARMUP_S}s warm-up + ${DURATION_S}s), ${CONNECTIONS} connections`,
  )

  /** @type {Record<string, any>} */
  const results = { env }

  if (SECTIONS.has('throughput') || SECTIONS.has('singleflight')) {
    const local = await startLocal('local-main')
    try {
      // One user per connection: with a single shared token, single-flight would merge the
      // concurrent verifications of `cache: false` and it would not verify per request.
      const tokens = []
      for (let i = 0; i < CONNECTIONS; i++) {
        tokens.push(await createToken(local.info, `bench-${i}@example.com`))
      }
      const user = await verifyDirect(local.info, /** @type {string} */ (tokens[0]))
      if (SECTIONS.has('throughput')) {
        results.throughput = await throughputSection(local.info, tokens, user)
      }
      if (SECTIONS.has('singleflight')) {
        try {
          results.singleFlight = await singleFlightSection(local.info)
        } catch (err) {
          log(`single-flight FAILED: ${/** @type {Error} */ (err).message}`)
          results.singleFlight = { failed: String(/** @type {Error} */ (err).message) }
        }
      }
    } finally {
      await stopChild(local.child)
    }
  }

  if (SECTIONS.has('memory')) {
    try {
      log('memory: 1,000,000 distinct bogus tokens through the verification path…')
      results.memory = await runChild('memory', 'memory.js', {
        nodeArgs: ['--expose-gc'],
        timeoutMs: 120_000,
      })
      log('memory: the same flood through a cache-less hand-written middleware (control)…')
      results.memory.control = await runChild('memory-control', 'memory.js', {
        args: ['control'],
        nodeArgs: ['--expose-gc'],
        timeoutMs: 120_000,
      }).catch((err) => ({ failed: String(err.message) }))
    } catch (err) {
      log(`memory FAILED: ${/** @type {Error} */ (err).message}`)
      results.memory = { failed: String(/** @type {Error} */ (err).message) }
    }
  }

  if (SECTIONS.has('query')) {
    const local = await startLocal('local-query')
    try {
      log('query: seeding 10,000 entities in Local Instant…')
      results.query = await runChild('query', 'query.js', {
        env: {
          API_URI: local.info.apiURI,
          APP_ID: local.info.appId,
          ADMIN_TOKEN: local.info.adminToken,
        },
        timeoutMs: 120_000,
      })
    } catch (err) {
      log(`query FAILED: ${/** @type {Error} */ (err).message}`)
      results.query = { failed: String(/** @type {Error} */ (err).message) }
    } finally {
      await stopChild(local.child)
    }
  }

  if (SECTIONS.has('realtime')) {
    const local = await startLocal('local-realtime')
    try {
      log('realtime: 100 sessions subscribed, then transacts; add-query of 1,000 rows…')
      results.realtime = await runChild('realtime', 'realtime.js', {
        env: {
          API_URI: local.info.apiURI,
          APP_ID: local.info.appId,
          ADMIN_TOKEN: local.info.adminToken,
        },
        timeoutMs: 120_000,
      })
    } catch (err) {
      log(`realtime FAILED: ${/** @type {Error} */ (err).message}`)
      results.realtime = { failed: String(/** @type {Error} */ (err).message) }
    } finally {
      await stopChild(local.child)
    }
  }

  if (SECTIONS.has('paired')) {
    try {
      log('paired: T1 and T3 by CPU with both apps of a pair loaded at once (bench/paired.js)…')
      results.paired = await runChild('paired', 'paired.js', {
        env: { PAIRED_JSON: '1', PAIRS: 'bare:kit-cache,undici:kit-nocache' },
        timeoutMs: 1_800_000,
      })
    } catch (err) {
      log(`paired FAILED: ${/** @type {Error} */ (err).message}`)
      results.paired = { failed: String(/** @type {Error} */ (err).message) }
    }
  }

  if (SECTIONS.has('multi')) {
    try {
      log('multi: 3 instances, one Local Instant, one Redis (bench/multi-instance.js)…')
      results.multi = await runChild('multi', 'multi-instance.js', { timeoutMs: 900_000 })
    } catch (err) {
      log(`multi FAILED: ${/** @type {Error} */ (err).message}`)
      results.multi = { failed: String(/** @type {Error} */ (err).message) }
    }
  }

  if (SECTIONS.has('soak')) {
    try {
      log('soak: 60 s at 200 connections over 1,000 users, Local Instant stopped and restarted…')
      results.soak = await runChild('soak', 'soak.js', {
        nodeArgs: ['--expose-gc'],
        timeoutMs: 300_000,
      })
    } catch (err) {
      log(`soak FAILED: ${/** @type {Error} */ (err).message}`)
      results.soak = { failed: String(/** @type {Error} */ (err).message) }
    }
    // The same soak against a bare Express route (no kit, no Instant calls), so the RSS growth
    // that any Node/Express server shows under this load is printed beside the kit's.
    if (process.env.SOAK_CONTROL !== 'none') {
      try {
        log('soak control: the same soak against a bare Express route…')
        results.soakBare = await runChild('soak-bare', 'soak.js', {
          nodeArgs: ['--expose-gc'],
          env: { SOAK_APP: 'bare' },
          timeoutMs: 300_000,
        })
      } catch (err) {
        log(`soak control FAILED: ${/** @type {Error} */ (err).message}`)
        results.soakBare = { failed: String(/** @type {Error} */ (err).message) }
      }
    }
  }

  env.loadavgAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)))
  env.elapsedS = Math.round((Date.now() - startedAt.getTime()) / 1000)
  results.targets = evaluateTargets(results)
  report(results)
  mkdirSync(resultsDir, { recursive: true })
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n')
  log(`wrote ${join('bench', 'results', 'latest.json')}`)
}

/**
 * @param {Record<string, any>} results
 * @returns {Array<{ id: string, target: string, measured: string, pass: boolean | null, note?: string }>}
 */
function evaluateTargets(results) {
  const t = results.throughput ?? {}
  /** @param {string} name */
  const rps = (name) => Number(t[name]?.rpsMedian)
  /**
   * @param {string} id @param {string} a @param {string} b @param {number} min @param {string} target
   * @param {'rps' | 'cpu'} [by] what decides the verdict: req/s (default) or server CPU per
   *   request, which other work on a shared machine disturbs far less
   */
  const ratio = (id, a, b, min, target, by = 'rps') => {
    // The median of per-round ratios: in each round the pair ran back to back.
    /** @type {number[]} */
    const perRound = []
    const ra = t[a]?.rounds ?? []
    const rb = t[b]?.rounds ?? []
    for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
      const x = ra[i]
      const y = rb[i]
      if (!x || !y || x.failed || y.failed || x.non2xx || y.non2xx || x.errors || y.errors) continue
      perRound.push(x.rps / y.rps)
    }
    const r = median(perRound)
    const note =
      perRound.length < Math.min(ra.length, rb.length)
        ? 'some rounds had non-2xx responses or errors and were excluded'
        : undefined
    // The same comparison by server CPU per request (b's cost over a's: > 1 means a is cheaper).
    const cpuRatio = Number(t[b]?.serverCpuUsPerRequest) / Number(t[a]?.serverCpuUsPerRequest)
    const decisive = by === 'cpu' ? cpuRatio : r
    return {
      id,
      target,
      by,
      measured: by === 'cpu' ? `${fmt(cpuRatio, 3)} by CPU, ${fmt(r, 3)} by req/s` : fmt(r, 3),
      ratio: r,
      ratioOfMedians: rps(a) / rps(b),
      cpuRatio,
      perRound: perRound.map((x) => Number(x.toFixed(3))),
      pass: Number.isFinite(decisive) ? decisive >= min : null,
      ...(note ? { note } : {}),
    }
  }
  const targets = []
  if (results.throughput) {
    targets.push(
      ratio('T1', 'kit-cache', 'bare', 0.95, '(2) warm cache ≥ 0.95 × (1) bare, by CPU/req', 'cpu'),
    )
    targets.push(ratio('T2', 'kit-nocache', 'sdk', 2.5, '(3) cache:false ≥ 2.5 × (4) SDK'))
    targets.push(
      ratio(
        'T3',
        'kit-nocache',
        'undici',
        0.95,
        '(3) cache:false ≥ 0.95 × (5) undici, by CPU/req',
        'cpu',
      ),
    )
    targets.push(
      ratio('T4', 'local-verify', 'http-json', 0.7, '(6) Local verify ≥ 0.7 × node:http'),
    )
  }
  const paired = results.paired
  if (paired) {
    // bench/paired.js: each ratio is the floor's CPU per request over the kit's, both apps
    // loaded at once, so the machine's other work falls on both.
    /** @param {string} id @param {string} floor @param {string} kit @param {string} target */
    const pairedTarget = (id, floor, kit, target) => {
      const pair = paired.pairs?.find((/** @type {any} */ p) => p.a === floor && p.b === kit)
      return {
        id,
        target,
        measured: pair
          ? `${fmt(pair.median, 3)} by CPU (rounds ${pair.ratios.map((/** @type {number} */ x) => x.toFixed(2)).join(' ')})`
          : 'failed',
        pass: pair ? pair.median >= 0.95 : null,
      }
    }
    targets.push(
      pairedTarget(
        'T1p',
        'bare',
        'kit-cache',
        '(2) warm cache ≥ 0.95 × (1) bare, by CPU/req, paired',
      ),
      pairedTarget(
        'T3p',
        'undici',
        'kit-nocache',
        '(3) cache:false ≥ 0.95 × (5) undici, by CPU/req, paired',
      ),
    )
  }
  const sf = results.singleFlight
  if (sf) {
    const counts = (sf.trials ?? []).map((/** @type {any} */ x) => x.verifications)
    const all200 = (sf.trials ?? []).every(
      (/** @type {any} */ x) => x.statusCodes?.['200'] === sf.n,
    )
    targets.push({
      id: 'T5',
      target: `(7) upstream verifications for ${BURST_N} concurrent requests = 1`,
      measured: sf.failed
        ? 'failed'
        : `${counts.join(', ')}${all200 ? '' : ' (not all 200)'}` +
          (sf.control ? `; official SDK control: ${sf.control.verifications}` : ''),
      pass: sf.failed
        ? null
        : counts.length > 0 && counts.every((/** @type {number} */ c) => c === 1) && all200,
    })
  }
  const m = results.memory
  if (m) {
    /** @type {number | undefined} */
    const controlPeak = m.control?.failed ? undefined : m.control?.rssGrowthPeakMB
    const boundOk =
      m.cacheBound == null || m.cacheMaxObserved == null ? null : m.cacheMaxObserved <= m.cacheBound
    targets.push({
      id: 'T6a',
      target: '(8) RSS growth over 1M bogus tokens ≤ 64 MB',
      measured: m.failed
        ? 'failed'
        : `+${fmt(m.rssGrowthFinalMB, 1)} MB kept; peak +${fmt(m.rssGrowthPeakMB, 1)} MB` +
          (controlPeak === undefined ? '' : ` vs control +${fmt(controlPeak, 1)} MB`),
      // What the process keeps after the flood, and what the kit adds to the transient peak over
      // a cache-less control (the rest of the peak is uncollected garbage any such code makes).
      pass: m.failed
        ? null
        : m.rssGrowthFinalMB <= 64 && m.rssGrowthPeakMB - (controlPeak ?? 0) <= 64,
    })
    targets.push({
      id: 'T6b',
      target: '(8) cache size never above its bound',
      measured: m.failed
        ? 'failed'
        : m.cacheMaxObserved == null
          ? 'cache size not exposed'
          : `max ${m.cacheMaxObserved} / bound ${m.cacheBound ?? 'unknown'}`,
      pass: m.failed ? null : boundOk,
      ...(m.cacheSizeSource && m.cacheSizeSource !== 'kit'
        ? { note: `read from ${m.cacheSizeSource}` }
        : {}),
    })
  }
  const rt = results.realtime
  if (rt) {
    targets.push({
      id: 'T7',
      target: '(16) transact → refresh-ok in 100 sessions, p50 ≤ 20 ms',
      measured: rt.failed
        ? 'failed'
        : `p50 ${fmt(rt.toAllP50Ms, 1)} ms, p99 ${fmt(rt.toAllP99Ms, 1)} ms`,
      pass: rt.failed ? null : rt.toAllP50Ms <= 20,
    })
  }

  if (results.multi) {
    const m = results.multi
    targets.push({
      id: 'M1',
      target: '(issue 14) one token on 3 instances: 1 upstream verification',
      measured: m.failed
        ? 'failed'
        : `${m.upstreamVerifications.redis} with Redis, ${m.upstreamVerifications.memory} without`,
      pass: m.failed ? null : m.upstreamVerifications.redis === 1,
    })
    targets.push({
      id: 'M2',
      target: '(issue 14) revocation p99 ≤ 100 ms (204 on A → 401 on B, C)',
      measured: m.failed ? 'failed' : `p99 ${fmt(m.revocationMs.p99, 1)} ms`,
      pass: m.failed ? null : m.revocationMs.p99 <= 100,
    })
  }

  const soak = results.soak
  if (soak) {
    const failed = Boolean(soak.failed)
    const other5xx = failed
      ? NaN
      : Object.values(soak.fiveXxOutsideOutage ?? {}).reduce((a, b) => a + Number(b), 0)
    targets.push({
      id: 'S1',
      target: '(9) soak: no 5xx but the 503s while Instant is down',
      measured: failed
        ? 'failed'
        : `${other5xx} other 5xx; answers ${JSON.stringify(soak.statusCodes)}`,
      pass: failed ? null : other5xx === 0,
    })
    targets.push({
      id: 'S2',
      target: '(9) soak: 0 unhandled rejections',
      measured: failed ? 'failed' : String(soak.unhandledRejections),
      pass: failed ? null : soak.unhandledRejections === 0,
    })
    targets.push({
      id: 'S3',
      target: `(9) soak: RSS growth ≤ 10 MB, ${soak.rssFirstAtS ?? 10} s → end, after GC`,
      measured: failed
        ? 'failed'
        : `${fmt(soak.rssGrowthMB, 1)} MB (${fmt(soak.rssAtFirstMB, 1)} → ${fmt(soak.rssAtEndMB, 1)})`,
      pass: failed ? null : soak.rssGrowthMB <= 10,
      note: failed ? undefined : soakMemoryNote(soak, results.soakBare),
    })
    targets.push({
      id: 'S4',
      target: '(9) soak: event-loop delay p99 (reported)',
      measured: failed
        ? 'failed'
        : `p50 ${soak.eventLoopDelayMs.p50} ms, p99 ${soak.eventLoopDelayMs.p99} ms, max ${soak.eventLoopDelayMs.max} ms`,
      pass: null,
    })
  }
  return targets
}

/**
 * Where the soak's RSS growth sits, and the bare route's figure beside it (docs/performance.md).
 * @param {Record<string, any>} soak @param {Record<string, any> | undefined} bare
 */
function soakMemoryNote(soak, bare) {
  const g = soak.growthMB ?? {}
  const sign = (/** @type {number} */ x) => `${x >= 0 ? '+' : ''}${fmt(x, 1)}`
  const parts = [
    `live heap ${sign(soak.liveHeapGrowthMB)}`,
    `heap total ${sign(g.heapTotal)}`,
    `external ${sign(g.external)}`,
    `native ${sign(g.native)}`,
    `read as gc() returns ${sign(soak.rssAtGcGrowthMB)}`,
  ]
  if (bare && !bare.failed) parts.push(`bare route ${sign(bare.rssGrowthMB)} MB`)
  return parts.join(', ')
}

/** @param {Record<string, any>} results */
function report(results) {
  const out = []
  const e = results.env
  out.push('')
  out.push(
    `instant-express-auth bench — ${e.date}, node ${e.node}, ${e.cpus} cores, ` +
      `load ${e.loadavgAtStart.join('/')} → ${e.loadavgAtEnd.join('/')}, ${e.elapsedS}s`,
  )
  out.push(
    `${e.rounds} rounds × (${e.warmupS}s warm-up + ${e.durationS}s), ${e.connections} connections, pipelining 1`,
  )
  if (Math.max(e.loadavgAtStart[0], e.loadavgAtEnd[0]) > e.cpus) {
    out.push(
      `WARNING: load average above ${e.cpus} (the core count): other work shared the CPUs, so ` +
        'absolute figures are low and noisy; the per-round ratios below are the figures to read.',
    )
  }
  if (results.throughput) {
    out.push('')
    out.push(
      `${'variant'.padEnd(40)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'app µs'.padStart(7)} ${'local µs'.padStart(8)}  rounds (req/s)`,
    )
    for (const [, s] of Object.entries(results.throughput)) {
      const rounds = s.rounds
        .map((/** @type {any} */ r) =>
          r.failed ? 'failed' : `${Math.round(r.rps)}${r.non2xx || r.errors ? '!' : ''}`,
        )
        .join(' ')
      out.push(
        `${s.label.padEnd(40)} ${fmt(s.rpsMedian).padStart(8)} ${fmt(s.latencyP50MsMedian, 1).padStart(7)} ${fmt(s.latencyP99MsMedian, 1).padStart(7)} ${fmt(s.appCpuUsPerRequest).padStart(7)} ${fmt(s.localCpuUsPerRequest).padStart(8)}  ${rounds}`,
      )
    }
    out.push(
      '  µs = CPU time per request of the app / of Local Instant (median over rounds); ' +
        '! = round excluded (non-2xx or socket errors)',
    )
  }
  if (results.memory && !results.memory.failed) {
    const m = results.memory
    out.push('')
    out.push(
      `memory: ${m.tokens} bogus tokens in ${fmt(m.elapsedMs / 1000, 1)}s; RSS ${fmt(m.rssBaselineMB, 1)} MB → peak ${fmt(m.rssPeakMB, 1)} MB (+${fmt(m.rssGrowthPeakMB, 1)}), after gc +${fmt(m.rssGrowthFinalMB, 1)} MB; ` +
        `cache ${m.cacheMaxObserved ?? 'n/a'} max / ${m.cacheBound ?? 'n/a'} bound; answers ${JSON.stringify(m.statusCodes)}`,
    )
    if (m.control && !m.control.failed) {
      out.push(
        `  control (hand-written, no cache): peak +${fmt(m.control.rssGrowthPeakMB, 1)} MB, after gc +${fmt(m.control.rssGrowthFinalMB, 1)} MB`,
      )
    }
  }
  if (results.query && !results.query.failed) {
    const q = results.query
    out.push('')
    out.push(
      `Local Instant: seeded ${q.entities} entities in ${fmt(q.seedMs / 1000, 1)}s; ` +
        `equality where (${q.matched} match): median ${fmt(q.query.medianMs, 2)} ms (n=${q.query.runs}); ` +
        `${q.txSteps}-step transact: median ${fmt(q.transact.medianMs, 2)} ms (n=${q.transact.runs})`,
    )
  }
  if (results.realtime && !results.realtime.failed) {
    const r = results.realtime
    out.push('')
    out.push(
      `Realtime: transact → refresh-ok in all ${r.sessions} sessions: p50 ${fmt(r.toAllP50Ms, 1)} ms, p99 ${fmt(r.toAllP99Ms, 1)} ms (n=${r.runs}); ` +
        `per delivery p50 ${fmt(r.deliveryP50Ms, 1)} ms, p99 ${fmt(r.deliveryP99Ms, 1)} ms; ` +
        `add-query of ${r.rows} rows (${r.triples} triples): p50 ${fmt(r.addQueryP50Ms, 1)} ms, p99 ${fmt(r.addQueryP99Ms, 1)} ms (n=${r.addQueryRuns})`,
    )
  }

  if (results.multi && !results.multi.failed) {
    const m = results.multi
    const row = (/** @type {string} */ name, /** @type {any} */ t) =>
      `  ${name.padEnd(34)} Redis ${fmt(t.redis.rpsMedian).padStart(6)} req/s (${fmt(t.redis.appCpuUsPerRequest)} µs)  ` +
      `memory ${fmt(t.memory.rpsMedian).padStart(6)} req/s (${fmt(t.memory.appCpuUsPerRequest)} µs)  ratio ${fmt(t.ratio, 2)}`
    out.push('')
    out.push(
      `multi-instance: upstream verifications for one token on 3 instances: Redis store ${m.upstreamVerifications.redis}, memory stores ${m.upstreamVerifications.memory}`,
    )
    out.push(
      `  revocation, sign-out 204 on A → 401 on B and C (${m.revocationMs.trials} sign-outs): ` +
        `p50 ${fmt(m.revocationMs.p50, 1)} ms, p99 ${fmt(m.revocationMs.p99, 1)} ms, max ${fmt(m.revocationMs.max, 1)} ms`,
    )
    out.push(row('POST /custom-send-magic-code', m.throughput.send))
    out.push(row('GET /me (warm cache)', m.throughput.me))
  }

  if (results.soak && !results.soak.failed) {
    const k = results.soak
    out.push('')
    out.push(
      `soak: ${k.requests} requests in ${k.durationS}s (${k.rps} req/s), ${k.connections} connections, ${k.users} users; ` +
        `Instant stopped at ${k.stoppedAtS}s, back at ${k.restartedAtS}s; answers ${JSON.stringify(k.statusCodes)}; ` +
        `cache ${k.stats?.cacheSize} entries, ${k.stats?.verifications} verifications, ${k.stats?.upstreamFailures} upstream failures; ` +
        `${k.logged?.warn ?? 0} warning line(s)`,
    )
  }
  out.push('')
  out.push('Targets (ratios: median of the per-round ratios; each pair ran back to back):')
  for (const t of results.targets) {
    const verdict = t.pass === true ? 'PASS' : t.pass === false ? 'FAIL' : 'N/A '
    const rounds = t.perRound
      ? `  (rounds ${t.perRound.map((/** @type {number} */ x) => x.toFixed(2)).join(' ')}; by CPU/request ${fmt(t.cpuRatio, 2)})`
      : ''
    out.push(
      `${verdict}  ${t.id.padEnd(4)} ${t.target.padEnd(58)} measured ${t.measured}${rounds}${t.note ? `  (${t.note})` : ''}`,
    )
  }
  out.push('')
  process.stdout.write(out.join('\n') + '\n')
}

main().catch((err) => {
  log(`bench aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  killAll()
  process.exitCode = 1
})
