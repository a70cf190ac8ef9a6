// @ts-check
// The throughput sections of `npm run bench`: `throughput` (every variant of throughput/app.js
// under autocannon, ABBA rounds: T1–T4), `paired` (T1 and T3 by CPU with both apps of a pair
// loaded at once: T1p, T3p) and `singleflight` (one new token, 100 concurrent requests: T5).
import { request } from 'undici'
import { DIAGNOSTIC_VARIANTS } from '../diagnostics/app-variants.js'
import { log, profileArgs, runChild, startChild, stopChild } from '../shared/children.js'
import {
  APP_NODE_FLAGS,
  CONNECTIONS,
  DURATION_S,
  PROFILE_APP,
  ROUNDS,
  WARMUP_S,
  selectedByEnv,
} from '../shared/knobs.js'
import {
  VERIFY_PATH,
  appEnvFor,
  createToken,
  endpoint,
  startLocal,
  verifyDirect,
} from '../shared/local-client.js'
import { fmt, median } from '../shared/stats.js'

/** Concurrent requests with one new token, and how many such bursts, for T5. */
export const BURST_N = 100
const BURST_TRIALS = 3

/**
 * The throughput variants. `app` names the throughput/app.js variant; `direct` targets Local
 * Instant. Diagnostic variants (diagnostics/app-variants.js) run only when named in BENCH_VARIANTS.
 * @typedef {{ name: string, label: string, app?: string, direct?: boolean, post?: boolean }} Variant
 * @type {Variant[]}
 */
const TARGET_VARIANTS = [
  // Compared pairs sit next to each other, so that with ABBA ordering they run back to back.
  { name: 'bare', label: '1 bare Express route', app: 'bare' },
  { name: 'kit-cache', label: '2 requireInstantUser, warm cache', app: 'kit-cache' },
  { name: 'kit-nocache', label: '3 requireInstantUser, cache:false, .db', app: 'kit-nocache' },
  { name: 'undici', label: '5 raw undici Pool verify (floor)', app: 'undici' },
  { name: 'sdk', label: '4 official SDK verifyToken + asUser', app: 'sdk' },
  { name: 'local-verify', label: '6a Local Instant verify endpoint', direct: true, post: true },
  { name: 'http-json', label: '6b bare node:http JSON server', app: 'http-json', post: true },
]

// BENCH_VARIANTS: the target variants unless it names others.
const VARIANTS =
  selectedByEnv('BENCH_VARIANTS', [...TARGET_VARIANTS, ...DIAGNOSTIC_VARIANTS], (v) => v.name) ??
  TARGET_VARIANTS

/**
 * One measured run of variant `v` (a fresh app process, then autocannon).
 * @param {import('../shared/local-client.js').LocalInfo} local
 * @param {Variant} v @param {number} round
 * @param {{ env: Record<string, string>, perConnectionGet: object[], perConnectionPost: object[] }} setup
 */
async function measureVariant(local, v, round, setup) {
  /** @type {import('../shared/children.js').Child | undefined} */
  let app
  /** @type {Record<string, string>} */
  const cpuURLs = { local: local.cpuURL }
  try {
    let url = endpoint(local.apiURI, `${VERIFY_PATH}?app_id=${local.appId}`)
    if (!v.direct) {
      const label = `app-${v.name}-r${round + 1}`
      const started = await startChild(label, 'throughput/app.js', {
        args: [/** @type {string} */ (v.app)],
        env: setup.env,
        nodeArgs: [...APP_NODE_FLAGS, ...(PROFILE_APP ? profileArgs(label) : [])],
      })
      app = started.child
      url = `http://127.0.0.1:${started.info.port}${v.post ? '/' : '/me'}`
      cpuURLs.app = `http://127.0.0.1:${started.info.port}/__bench/cpu`
    }
    const result = await runChild(`load-${v.name}`, 'shared/load.js', {
      args: [
        JSON.stringify({
          mode: 'throughput',
          url,
          method: v.post ? 'POST' : 'GET',
          headers: v.post ? { 'content-type': 'application/json' } : {},
          perConnection: v.post ? setup.perConnectionPost : setup.perConnectionGet,
          connections: CONNECTIONS,
          duration: DURATION_S,
          warmup: WARMUP_S,
          cpuURLs,
        }),
      ],
      timeoutMs: (DURATION_S + WARMUP_S + 30) * 1000,
    })
    log(
      `round ${round + 1} ${v.name.padEnd(12)} ${Math.round(result.rps)} req/s` +
        (result.non2xx || result.errors
          ? `  (non-2xx ${result.non2xx}, errors ${result.errors}: ${JSON.stringify(result.statusCodes)})`
          : ''),
    )
    return result
  } catch (err) {
    log(`round ${round + 1} ${v.name}: FAILED ${/** @type {Error} */ (err).message}`)
    return { failed: String(/** @type {Error} */ (err).message).slice(0, 500) }
  } finally {
    if (app) await stopChild(app)
  }
}

/** @param {string} label @param {any[]} rounds */
function summarise(label, rounds) {
  const valid = rounds.filter((r) => !r.failed && r.non2xx === 0 && r.errors === 0)
  return {
    label,
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
    rounds,
  }
}

/** @type {import('../sections.js').Section} */
const throughput = {
  id: 'throughput',
  about: `${ROUNDS} rounds × ${VARIANTS.length} variants × (${WARMUP_S}s warm-up + ${DURATION_S}s), ${CONNECTIONS} connections`,
  async run() {
    const local = await startLocal('local-main')
    try {
      // One user per connection: with a single shared token, single-flight would merge the
      // concurrent verifications of `cache: false` and it would not verify per request.
      const tokens = []
      for (let i = 0; i < CONNECTIONS; i++) {
        tokens.push(await createToken(local.info, `bench-${i}@example.com`))
      }
      const user = await verifyDirect(local.info, /** @type {string} */ (tokens[0]))
      const setup = {
        env: { ...appEnvFor(local.info), BENCH_USER_JSON: JSON.stringify(user) },
        perConnectionGet: tokens.map((token) => ({ headers: { token } })),
        perConnectionPost: tokens.map((token) => ({
          body: JSON.stringify({ 'app-id': local.info.appId, 'refresh-token': token }),
        })),
      }
      /** @type {Record<string, any[]>} */
      const runs = Object.fromEntries(VARIANTS.map((v) => [v.name, []]))
      for (let round = 0; round < ROUNDS; round++) {
        // Interleaved, and reversed every other round (ABBA): linear drift cancels out of each pair.
        const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()
        for (const v of order) runs[v.name]?.push(await measureVariant(local.info, v, round, setup))
      }
      return Object.fromEntries(
        VARIANTS.map((v) => [v.name, summarise(v.label, runs[v.name] ?? [])]),
      )
    } finally {
      await stopChild(local.child)
    }
  },
  summary(result) {
    const out = [
      `${'variant'.padEnd(40)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'app µs'.padStart(7)} ${'local µs'.padStart(8)}  rounds (req/s)`,
    ]
    for (const s of Object.values(result)) {
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
    return out
  },
}

/**
 * Variant `a` against `b` in one throughput result: the median of the per-round req/s ratios
 * (in each round the pair ran back to back) and the ratio of server CPU per request (b's cost
 * over a's: > 1 means a is cheaper), which other work on a shared machine disturbs far less.
 * @param {Record<string, any>} result @param {string} a @param {string} b
 */
function compare(result, a, b) {
  /** @type {number[]} */
  const perRound = []
  const ra = result[a]?.rounds ?? []
  const rb = result[b]?.rounds ?? []
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i]
    const y = rb[i]
    if (!x || !y || x.failed || y.failed || x.non2xx || y.non2xx || x.errors || y.errors) continue
    perRound.push(x.rps / y.rps)
  }
  const byRps = median(perRound)
  const byCpu = Number(result[b]?.serverCpuUsPerRequest) / Number(result[a]?.serverCpuUsPerRequest)
  const rounds = `rounds ${perRound.map((x) => x.toFixed(2)).join(' ')}`
  return {
    byRps,
    byCpu,
    rounds,
    ...(perRound.length < Math.min(ra.length, rb.length)
      ? { note: 'some rounds had non-2xx responses or errors and were excluded' }
      : {}),
  }
}

/**
 * A target's measurement: `a` over `b` by req/s (T2, T4).
 * @param {Record<string, any>} result @param {string} a @param {string} b
 * @returns {import('../targets.js').Measurement}
 */
export function ratioByRps(result, a, b) {
  const c = compare(result, a, b)
  return {
    value: c.byRps,
    measured: `${fmt(c.byRps, 3)}  (${c.rounds}; by CPU/request ${fmt(c.byCpu, 2)})`,
    ...(c.note ? { note: c.note } : {}),
  }
}

/**
 * A target's measurement: `a` over `b` by server CPU per request, req/s beside it (T1, T3).
 * @param {Record<string, any>} result @param {string} a @param {string} b
 * @returns {import('../targets.js').Measurement}
 */
export function ratioByCpu(result, a, b) {
  const c = compare(result, a, b)
  return {
    value: c.byCpu,
    measured: `${fmt(c.byCpu, 3)} by CPU, ${fmt(c.byRps, 3)} by req/s  (${c.rounds})`,
    ...(c.note ? { note: c.note } : {}),
  }
}

/** @type {import('../sections.js').Section} */
const paired = {
  id: 'paired',
  about: 'T1 and T3 by CPU with both apps of a pair loaded at once (throughput/paired.js)',
  run: () =>
    runChild('paired', 'throughput/paired.js', {
      env: { PAIRED_JSON: '1', PAIRS: 'bare:kit-cache,undici:kit-nocache' },
      timeoutMs: 1_800_000,
    }),
}

/**
 * A target's measurement: the paired CPU ratio of `floor` over `kit` (T1p, T3p).
 * @param {Record<string, any>} result @param {string} floor @param {string} kit
 * @returns {import('../targets.js').Measurement}
 */
export function pairedRatio(result, floor, kit) {
  const pair = result.pairs?.find((/** @type {any} */ p) => p.a === floor && p.b === kit)
  if (!pair) return { value: NaN, measured: 'failed' }
  const rounds = pair.ratios.map((/** @type {number} */ x) => x.toFixed(2)).join(' ')
  return { value: pair.median, measured: `${fmt(pair.median, 3)} by CPU (rounds ${rounds})` }
}

/**
 * Single-flight: N concurrent requests with one brand-new token must cause exactly one upstream
 * verification. The counting proxy holds each verification for 200 ms so all N requests are
 * in flight at once; without coalescing the count would be close to N. A control run of the
 * official-SDK route shows the proxy does count every verification it sees.
 * @type {import('../sections.js').Section}
 */
const singleflight = {
  id: 'singleflight',
  about: `${BURST_N} concurrent requests with one new token, ${BURST_TRIALS} times, through a counting proxy`,
  async run() {
    const local = await startLocal('local-singleflight')
    const proxy = await startChild('proxy', 'shared/proxy.js', {
      env: { UPSTREAM: new URL(local.info.apiURI).origin, PROXY_VERIFY_DELAY_MS: '200' },
    })
    const proxyOrigin = `http://127.0.0.1:${proxy.info.port}`
    const appEnv = {
      ...appEnvFor(local.info),
      API_URI: proxyOrigin + new URL(local.info.apiURI).pathname.replace(/\/$/, ''),
    }

    /** @param {string} variant @param {string[]} labels */
    async function bursts(variant, labels) {
      const app = await startChild(`app-singleflight-${variant}`, 'throughput/app.js', {
        args: [variant],
        env: appEnv,
      })
      try {
        const out = []
        for (const label of labels) out.push(await burst(app.info.port, `${label} (${variant})`))
        return out
      } finally {
        await stopChild(app.child)
      }
    }

    /** @param {number} port @param {string} label */
    async function burst(port, label) {
      const token = await createToken(
        local.info,
        `${label.split(' ')[0]}-${Date.now()}@example.com`,
      )
      await request(`${proxyOrigin}/__bench/reset`, { method: 'POST' }).then((r) => r.body.dump())
      const result = await runChild('load-burst', 'shared/load.js', {
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
        `single-flight ${label}: ${counts.verify} upstream verification(s) for ` +
          `${BURST_N} concurrent requests, statuses ${JSON.stringify(result.statusCodes)}`,
      )
      return { verifications: counts.verify, ...result }
    }

    try {
      const labels = Array.from({ length: BURST_TRIALS }, (_, t) => `trial-${t + 1}`)
      const trials = await bursts('kit-cache', labels)
      const [control] = await bursts('sdk', ['control'])
      return { n: BURST_N, trials, control }
    } finally {
      await stopChild(proxy.child)
      await stopChild(local.child)
    }
  },
}

export { throughput, singleflight, paired }
