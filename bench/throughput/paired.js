// @ts-check
// `npm run bench:paired`: CPU time per request of two throughput/app.js variants measured at the same
// time, so that whatever else the machine does falls on both. Each round starts both apps, loads
// both at once with the same fixed number of requests (10 keep-alive connections each, one user's
// token per connection, against one Local Instant), and reads each app's CPU time over the
// counted requests; the figure is the median of the per-round ratios. On this project's shared
// 2-core VM, rounds of one pair spread by up to about ±5 %, where `npm run bench`'s sequential
// rounds swung from 0.6 to 1.3: read medians of five or more.
//
//   PAIRS=bare:kit-cache,undici:kit-nocache  PAIRED_ROUNDS=5
//   PAIRED_WARMUP=10000  PAIRED_REQUESTS=20000 (per app and round)
//   PAIRED_JSON=1 (a last line of JSON for bench/run.js, whose `paired` section runs this)
// PAIRS may name diagnostic variants too (diagnostics/app-variants.js).
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from '../shared/stats.js'
import { fixedLoad, json, start, startLocalWithUsers } from './fixed-load.js'

const here = dirname(fileURLToPath(import.meta.url))
const PAIRS = (process.env.PAIRS ?? 'bare:kit-cache,undici:kit-nocache')
  .split(',')
  .map((pair) => /** @type {[string, string]} */ (pair.split(':')))
const ROUNDS = Number(process.env.PAIRED_ROUNDS ?? 5)
const WARMUP = Number(process.env.PAIRED_WARMUP ?? 10_000)
const REQUESTS = Number(process.env.PAIRED_REQUESTS ?? 20_000)

/**
 * @param {Record<string, string>} env @param {string[]} tokens @param {[string, string]} pair
 * @returns {Promise<[number, number]>} CPU µs per request of each
 */
async function round(env, tokens, pair) {
  // The kit variants take BENCH_CACHE_TTL_MS; the default (30 s) is what users get.
  const appEnv = { ...env, BENCH_CACHE_TTL_MS: '' }
  const apps = await Promise.all(
    pair.map((variant) => start(process.execPath, [join(here, 'app.js'), variant], appEnv)),
  )
  const loads = apps.map((app, i) => fixedLoad(app.info.port, tokens, pair[i] ?? ''))
  try {
    const cpu = () =>
      Promise.all(apps.map((app) => json(`http://127.0.0.1:${app.info.port}/__bench/cpu`)))
    await Promise.all(loads.map((load) => load.send(WARMUP)))
    const before = await cpu()
    await Promise.all(loads.map((load) => load.send(REQUESTS)))
    const after = await cpu()
    const perRequest = (/** @type {number} */ i) => (after[i].cpuUs - before[i].cpuUs) / REQUESTS
    return [perRequest(0), perRequest(1)]
  } finally {
    for (const app of apps) app.proc.kill('SIGTERM')
    await Promise.all(loads.map((load) => load.close()))
  }
}

const { local, env, tokens } = await startLocalWithUsers()
/** @type {Array<{ a: string, b: string, cpuUs: Array<[number, number]>, ratios: number[], median: number }>} */
const summary = []
try {
  process.stdout.write(
    `CPU µs per request, two apps loaded at once, ${new Date().toISOString()}, node ` +
      `${process.version}, ${ROUNDS} rounds of ${WARMUP} warm-up + ${REQUESTS} counted requests each\n\n`,
  )
  for (const pair of PAIRS) {
    const ratios = []
    /** @type {Array<[number, number]>} */
    const cpuUs = []
    for (let r = 1; r <= ROUNDS; r++) {
      const [a, b] = await round(env, tokens, pair)
      ratios.push(a / b)
      cpuUs.push([a, b])
      process.stdout.write(
        `  round ${r}: ${pair[0]} ${a.toFixed(1)} µs, ${pair[1]} ${b.toFixed(1)} µs, ` +
          `${pair[0]}/${pair[1]} ${(a / b).toFixed(3)}\n`,
      )
    }
    process.stdout.write(
      `${pair[0]}/${pair[1]} by CPU: median ${median(ratios).toFixed(3)} ` +
        `(rounds ${ratios.map((x) => x.toFixed(2)).join(' ')})\n\n`,
    )
    summary.push({ a: pair[0], b: pair[1], cpuUs, ratios, median: median(ratios) })
  }
  // For bench/run.js, which reads the last line.
  if (process.env.PAIRED_JSON === '1')
    process.stdout.write(`${JSON.stringify({ pairs: summary })}\n`)
} finally {
  local.proc.kill('SIGTERM')
}
