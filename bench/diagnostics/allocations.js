// @ts-check
// `npm run bench:allocations`: bytes allocated and promoted per request, and GCs per 10,000
// requests, for variants of throughput/app.js, from V8's own GC trace (`--trace-gc-nvp`). Like
// diagnostics/instructions.js these are counts, not times, so other work on the machine does not move
// them (runs of the same code agree within about 2 %), and they take seconds, not minutes. What
// a request allocates feeds the scavenger, and what survives it (promoted) feeds the major GC,
// which is where much of the kit's CPU cost over a bare route went (bench/history.md).
//
// For each variant (default `bare,bare-setprop,kit-cache,kit-nocache,undici`), one after another:
// Local Instant in its own process, the app with `--trace-gc-nvp --expose-gc`, ALLOC_WARMUP
// requests (default 10,000), a full GC, ALLOC_REQUESTS (30,000) counted over 10 keep-alive
// connections (one token each), a full GC.
// The app's CPU time per request is printed too, as a rough figure (it is a time).
import { fixedLoad, json, start, startLocalWithUsers } from '../throughput/fixed-load.js'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const VARIANTS = (
  process.env.ALLOC_VARIANTS ?? 'bare,bare-setprop,kit-cache,kit-nocache,undici'
).split(',')
const WARMUP = Number(process.env.ALLOC_WARMUP ?? 10_000)
const REQUESTS = Number(process.env.ALLOC_REQUESTS ?? 30_000)

/**
 * Sums one `name=value` field over the GC trace lines.
 * @param {string[]} lines @param {string} name
 */
function sum(lines, name) {
  const field = new RegExp(`\\b${name}=(\\d+)`)
  return lines.reduce((total, line) => total + Number(field.exec(line)?.[1] ?? 0), 0)
}

/** @param {string} variant */
async function measure(variant) {
  const { local, env, tokens } = await startLocalWithUsers()
  let trace = ''
  let counting = false
  try {
    const app = await start(
      process.execPath,
      ['--trace-gc-nvp', '--expose-gc', join(here, '..', 'throughput', 'app.js'), variant],
      env,
      (chunk) => {
        if (counting) trace += chunk
      },
    )
    const base = `http://127.0.0.1:${app.info.port}`
    const load = fixedLoad(app.info.port, tokens, variant)
    try {
      await load.send(WARMUP)
      // The window runs from one forced GC to the next: each trace line reports what was
      // allocated since the GC before it, so the last line counts exactly the window's tail.
      // (The forced GCs are counted as one major GC each; see below.)
      const before = await json(`${base}/__bench/cpu?gc=1`)
      counting = true
      await load.send(REQUESTS)
      const after = await json(`${base}/__bench/cpu?gc=1`)
      counting = false
      const lines = trace.split('\n').filter((line) => line.includes(' gc='))
      // The closing forced GC is not one the load caused.
      const per10k = (/** @type {RegExp} */ kind, forced = 0) =>
        ((lines.filter((line) => kind.test(line)).length - forced) * 10_000) / REQUESTS
      return {
        variant,
        allocated: sum(lines, 'allocated') / REQUESTS,
        promoted: sum(lines, 'promoted') / REQUESTS,
        scavenges: per10k(/ gc=s /),
        markCompacts: per10k(/ gc=mc /, 1),
        cpuUs: (after.cpuUs - before.cpuUs) / REQUESTS,
      }
    } finally {
      app.proc.kill('SIGTERM')
      await load.close()
    }
  } finally {
    local.proc.kill('SIGTERM')
  }
}

const results = []
for (const variant of VARIANTS) results.push(await measure(variant))
const base = results.find((r) => r.variant === 'bare')
process.stdout.write(
  `per request, from --trace-gc-nvp, ${new Date().toISOString()}, node ${process.version}, ` +
    `${WARMUP} warm-up + ${REQUESTS} counted requests\n\n` +
    `${'variant'.padEnd(16)} ${'allocated B'.padStart(12)} ${'vs bare'.padStart(8)} ` +
    `${'promoted B'.padStart(11)} ${'scav/10k'.padStart(9)} ${'mc/10k'.padStart(7)} ${'CPU µs'.padStart(7)}\n`,
)
for (const r of results) {
  const vs =
    base === undefined
      ? ''
      : `${r.allocated - base.allocated >= 0 ? '+' : ''}${Math.round(r.allocated - base.allocated)}`
  process.stdout.write(
    `${r.variant.padEnd(16)} ${Math.round(r.allocated).toLocaleString('en-US').padStart(12)} ${vs.padStart(8)} ` +
      `${Math.round(r.promoted).toLocaleString('en-US').padStart(11)} ${r.scavenges.toFixed(1).padStart(9)} ` +
      `${r.markCompacts.toFixed(1).padStart(7)} ${r.cpuUs.toFixed(0).padStart(7)}\n`,
  )
}
