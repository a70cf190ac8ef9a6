// @ts-check
// `npm run bench:instructions`: instructions per request under valgrind's callgrind, a figure that
// other work on the machine does not disturb (it counts instructions, not time). Use it when the
// machine is too busy for `npm run bench` to judge a few percent, and to see where the
// instructions go (`callgrind_annotate <file>` on the files it leaves in bench/results/callgrind).
//
// For each variant of throughput/app.js (default `bare,bare-setprop,kit-cache`), in parallel: Local
// Instant in its own process (not counted), the app under callgrind with instrumentation off, a
// warm-up of INSTR_WARMUP requests (default 8,000; JIT tiers settle), then INSTR_REQUESTS (3,000)
// requests counted, over 10 keep-alive connections with one user's token each. V8 runs with
// `--predictable` (no concurrent GC or compiler threads, no time-based heuristics). Runs of the
// same code still spread by about ±2.5 % (when GCs fall relative to the counted window): compare
// medians of several runs before reading a difference smaller than that.
// The kit variants get a one-hour cache TTL (BENCH_CACHE_TTL_MS), since a run takes minutes.
//
// INSTR_CACHE_SIM=1 adds callgrind's cache simulation (`--cache-sim=yes`, about twice as slow):
// first-level and last-level cache misses per request, and the estimate of cycles that
// cachegrind's documentation gives (Ir + 10 × L1 misses + 100 × last-level misses), which shows
// instructions that cost more than their count (this machine's `perf` has no cycle counters).
// It also simulates branch prediction (`--branch-sim=yes`) and prints mispredicted conditional and
// indirect branches per request (Bcm, Bim), which that estimate leaves out.
//
// Needs `valgrind` (Debian package). Each variant takes ~5–10 minutes.
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { fixedLoad, start, startLocalWithUsers } from '../throughput/fixed-load.js'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const outDir = join(here, '..', 'results', 'callgrind')
const VARIANTS = (process.env.INSTR_VARIANTS ?? 'bare,bare-setprop,kit-cache').split(',')
const WARMUP = Number(process.env.INSTR_WARMUP ?? 8_000)
const REQUESTS = Number(process.env.INSTR_REQUESTS ?? 3_000)
const CACHE_SIM = process.env.INSTR_CACHE_SIM === '1'

/** @param {string} variant */
async function measure(variant) {
  const { local, env, tokens } = await startLocalWithUsers()
  try {
    const outFile = join(outDir, `${variant}.out`)
    rmSync(outFile, { force: true })
    rmSync(`${outFile}.1`, { force: true })
    const app = await start(
      'valgrind',
      [
        '--tool=callgrind',
        '--instr-atstart=no',
        '--smc-check=all-non-file',
        ...(CACHE_SIM ? ['--cache-sim=yes', '--branch-sim=yes'] : []),
        `--callgrind-out-file=${outFile}`,
        process.execPath,
        '--predictable',
        join(here, '..', 'throughput', 'app.js'),
        variant,
      ],
      env,
    )
    const pid = String(app.proc.pid)
    const load = fixedLoad(app.info.port, tokens, variant)
    try {
      await load.send(WARMUP)
      await run('callgrind_control', ['-i', 'on', pid])
      await load.send(REQUESTS)
      await run('callgrind_control', ['-i', 'off', pid])
      await run('callgrind_control', ['-d', pid])
    } finally {
      app.proc.kill('SIGTERM')
      await load.close()
    }
    const dump = readFileSync(`${outFile}.1`, 'utf8')
    const names = (/^events: (.+)$/m.exec(dump)?.[1] ?? 'Ir').trim().split(/\s+/)
    const totals = (/^totals: (.+)$/m.exec(dump)?.[1] ?? '').trim().split(/\s+/).map(Number)
    /** @type {Record<string, number>} */
    const per = {}
    names.forEach((name, i) => (per[name] = (totals[i] ?? NaN) / REQUESTS))
    return { variant, perRequest: per.Ir ?? NaN, per, file: `${outFile}.1` }
  } finally {
    local.proc.kill('SIGTERM')
  }
}

mkdirSync(outDir, { recursive: true })
const started = Date.now()
const results = await Promise.all(VARIANTS.map((variant) => measure(variant)))
const base = results.find((r) => r.variant === 'bare')
process.stdout.write(
  `instructions per request under callgrind (node --predictable), ${new Date().toISOString()}, ` +
    `${WARMUP} warm-up + ${REQUESTS} counted requests, ${Math.round((Date.now() - started) / 1000)} s\n\n`,
)
for (const r of results) {
  const ratio =
    base === undefined ? '' : `  bare/this ${(base.perRequest / r.perRequest).toFixed(3)}`
  process.stdout.write(
    `${r.variant.padEnd(16)} ${Math.round(r.perRequest).toLocaleString('en-US').padStart(10)}${ratio}  ${r.file}\n`,
  )
}
if (CACHE_SIM) {
  /** @param {Record<string, number>} p */
  const cycles = (p) =>
    (p.Ir ?? 0) +
    10 * ((p.I1mr ?? 0) + (p.D1mr ?? 0) + (p.D1mw ?? 0)) +
    100 * ((p.ILmr ?? 0) + (p.DLmr ?? 0) + (p.DLmw ?? 0))
  const baseCycles = base === undefined ? undefined : cycles(base.per)
  process.stdout.write(
    '\nper request: L1 misses (I1mr D1mr D1mw), last-level misses (ILmr DLmr DLmw), ' +
      'est. cycles, mispredicted branches (Bcm Bim)\n',
  )
  for (const r of results) {
    const p = r.per
    const fmt = (/** @type {number | undefined} */ n) => Math.round(n ?? 0).toLocaleString('en-US')
    const ratio =
      baseCycles === undefined ? '' : `  bare/this ${(baseCycles / cycles(p)).toFixed(3)}`
    process.stdout.write(
      `${r.variant.padEnd(16)} L1 ${fmt(p.I1mr)} ${fmt(p.D1mr)} ${fmt(p.D1mw)}  LL ${fmt(p.ILmr)} ` +
        `${fmt(p.DLmr)} ${fmt(p.DLmw)}  cycles ${fmt(cycles(p))}${ratio}  ` +
        `mispredicted ${fmt(p.Bcm)} ${fmt(p.Bim)}\n`,
    )
  }
}
