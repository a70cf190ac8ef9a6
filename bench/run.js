// @ts-check
// `npm run bench`: every section (sections.js) in one run, so the ratios compare like with like,
// then every target (targets.js) with its figure beside its threshold: PASS, FAIL or N/A (not
// measurable, or reported only). Writes bench/results/latest.json. Exits 0 even when a target
// fails: it is a measurement. The knobs (BENCH_ONLY, BENCH_ROUNDS, …) are in bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { SECTIONS } from './sections.js'
import { killAll, log } from './shared/children.js'
import {
  CONNECTIONS,
  DURATION_S,
  RESULTS_DIR,
  ROUNDS,
  WARMUP_S,
  selectedByEnv,
} from './shared/knobs.js'
import { TARGETS } from './targets.js'

for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(sig, () => {
    killAll()
    process.exit(130)
  })
}

/** @param {import('./targets.js').Threshold | null} t */
function thresholdText(t) {
  if (t === null) return 'reported'
  if ('atLeast' in t) return `≥ ${t.atLeast}`
  if ('atMost' in t) return `≤ ${t.atMost}`
  return `= ${t.equals}`
}

/**
 * @param {import('./targets.js').Threshold | null} t @param {number} value
 * @returns {boolean | null} null: no verdict
 */
function passes(t, value) {
  if (t === null || Number.isNaN(value)) return null
  if ('atLeast' in t) return value >= t.atLeast
  if ('atMost' in t) return value <= t.atMost
  return value === t.equals
}

/**
 * @param {import('./targets.js').Target} t @param {Record<string, any>} result
 * @returns {import('./targets.js').Measurement}
 */
function measureTarget(t, result) {
  if (result.failed) return { value: NaN, measured: 'failed' }
  try {
    return t.measure(result)
  } catch (err) {
    // A result without the figures the row reads: no verdict, and the other rows still print.
    return { value: NaN, measured: `not in the result (${/** @type {Error} */ (err).message})` }
  }
}

/**
 * Judges every target whose section ran.
 * @param {Record<string, any>} results
 */
function judge(results) {
  return TARGETS.filter((t) => results[t.section] !== undefined).map((t) => {
    const m = measureTarget(t, results[t.section])
    return {
      id: t.id,
      question: t.question,
      metric: t.metric,
      threshold: thresholdText(t.threshold),
      value: m.value,
      measured: m.measured,
      pass: passes(t.threshold, m.value),
      ...(m.note ? { note: m.note } : {}),
    }
  })
}

/** @param {Record<string, any>} results @param {import('./sections.js').Section[]} ran */
function report(results, ran) {
  const e = results.env
  const out = [
    '',
    `instant-express-auth bench — ${e.date}, node ${e.node}, ${e.cpus} cores, ` +
      `load ${e.loadavgAtStart.join('/')} → ${e.loadavgAtEnd.join('/')}, ${e.elapsedS}s`,
    `${e.rounds} rounds × (${e.warmupS}s warm-up + ${e.durationS}s), ${e.connections} connections, pipelining 1`,
  ]
  if (Math.max(e.loadavgAtStart[0], e.loadavgAtEnd[0]) > e.cpus) {
    out.push(
      `WARNING: load average above ${e.cpus} (the core count): other work shared the CPUs, so ` +
        'absolute figures are low and noisy; the per-round ratios below are the figures to read.',
    )
  }
  for (const section of ran) {
    const result = results[section.id]
    if (result.failed || !section.summary) continue
    out.push('', ...section.summary(result))
  }
  out.push('', 'Targets (ratios: median of the per-round ratios; each pair ran back to back):')
  for (const t of results.targets) {
    const verdict = t.pass === true ? 'PASS' : t.pass === false ? 'FAIL' : 'N/A '
    const target = `${t.question}: ${t.metric} ${t.threshold}`
    out.push(
      `${verdict}  ${t.id.padEnd(4)} ${target}\n        measured ${t.measured}${t.note ? `  (${t.note})` : ''}`,
    )
  }
  out.push('')
  process.stdout.write(out.join('\n') + '\n')
}

async function main() {
  // BENCH_ONLY names sections by id.
  const sections = selectedByEnv('BENCH_ONLY', SECTIONS, (s) => s.id) ?? SECTIONS
  const startedAt = new Date()
  const env = {
    date: startedAt.toISOString(),
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadavgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    loadavgAtEnd: /** @type {number[]} */ ([]),
    elapsedS: 0,
    rounds: ROUNDS,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    connections: CONNECTIONS,
    pipelining: 1,
  }
  log(
    `node ${env.node}, ${env.cpus} cores, load ${env.loadavgAtStart.join(' ')}; ` +
      `sections ${sections.map((s) => s.id).join(', ')}`,
  )

  /** @type {Record<string, any>} */
  const results = { env }
  for (const section of sections) {
    log(`${section.id}: ${section.about}…`)
    try {
      results[section.id] = await section.run()
    } catch (err) {
      log(`${section.id} FAILED: ${/** @type {Error} */ (err).message}`)
      results[section.id] = { failed: String(/** @type {Error} */ (err).message) }
    }
  }

  env.loadavgAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)))
  env.elapsedS = Math.round((Date.now() - startedAt.getTime()) / 1000)
  results.targets = judge(results)
  report(results, sections)
  mkdirSync(RESULTS_DIR, { recursive: true })
  writeFileSync(join(RESULTS_DIR, 'latest.json'), JSON.stringify(results, null, 2) + '\n')
  log(`wrote ${join('bench', 'results', 'latest.json')}`)
}

main().catch((err) => {
  log(`bench aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  killAll()
  process.exitCode = 1
})
