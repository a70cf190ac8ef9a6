// @ts-check
// `npm run bench:instructions`: instructions per request under valgrind's callgrind, a figure that
// other work on the machine does not disturb (it counts instructions, not time). Use it when the
// machine is too busy for `npm run bench` to judge a few percent, and to see where the
// instructions go (`callgrind_annotate <file>` on the files it leaves in bench/results/callgrind).
//
// For each variant of bench/app.js (default `bare,bare-setprop,kit-cache`), in parallel: Local
// Instant in its own process (not counted), the app under callgrind with instrumentation off, a
// warm-up of INSTR_WARMUP requests (default 8,000; JIT tiers settle), then INSTR_REQUESTS (3,000)
// requests counted, over 10 keep-alive connections with one user's token each. V8 runs with
// `--predictable` (no concurrent GC or compiler threads, no time-based heuristics). Runs of the
// same code still spread by about ±2.5 % (when GCs fall relative to the counted window): compare
// medians of several runs before reading a difference smaller than that.
// The kit variants get a one-hour cache TTL (BENCH_CACHE_TTL_MS), since a run takes minutes.
//
// Needs `valgrind` (Debian package). Each variant takes ~5–10 minutes.
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { fixedLoad, start, startLocalWithUsers } from './fixed-load.js'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const outDir = join(here, 'results', 'callgrind')
const VARIANTS = (process.env.INSTR_VARIANTS ?? 'bare,bare-setprop,kit-cache').split(',')
const WARMUP = Number(process.env.INSTR_WARMUP ?? 8_000)
const REQUESTS = Number(process.env.INSTR_REQUESTS ?? 3_000)

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
        `--callgrind-out-file=${outFile}`,
        process.execPath,
        '--predictable',
        join(here, 'app.js'),
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
    const total = Number(/^totals: (\d+)/m.exec(dump)?.[1] ?? NaN)
    return { variant, perRequest: total / REQUESTS, file: `${outFile}.1` }
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
