// @ts-check
// Every target of `npm run bench`, one row each: which section measures it, the question, the
// metric and its threshold. `measure` reads the figure from the section's result; the runner
// judges it against `threshold` (null: reported, not judged). Raise a threshold, never lower it.
import { soakMemoryNote } from './soak/sections.js'
import { fmt } from './shared/stats.js'
import { BURST_N, pairedRatio, ratioByCpu, ratioByRps } from './throughput/sections.js'

/**
 * @typedef {{ atLeast: number } | { atMost: number } | { equals: number }} Threshold
 * @typedef {{ value: number, measured: string, note?: string }} Measurement
 *   `value` is what the threshold judges (NaN: not measurable, no verdict)
 * @typedef {object} Target
 * @property {string} id
 * @property {string} section the id of the section that measures it (sections.js)
 * @property {string} question
 * @property {string} metric what `value` is, in words
 * @property {Threshold | null} threshold
 * @property {(result: Record<string, any>) => Measurement} measure
 */

/**
 * One phase's median on node:sqlite over better-sqlite3 (below 1: node:sqlite is faster).
 * @param {Record<string, any>} r @param {'query' | 'transact'} phase
 * @returns {Measurement}
 */
function sqliteRatio(r, phase) {
  const node = r.drivers['node:sqlite']
  const better = r.drivers['better-sqlite3']
  if (!node.available) {
    return {
      value: Number.NaN,
      measured: `node:sqlite is not on Node ${r.node}`,
      note: 'run on Node 22.13+',
    }
  }
  const ratio = node[phase].medianMs / better[phase].medianMs
  return {
    value: ratio,
    measured: `${fmt(ratio, 2)} (${fmt(node[phase].medianMs, 2)} ms / ${fmt(better[phase].medianMs, 2)} ms)`,
  }
}

/** @type {Target[]} */
export const TARGETS = [
  {
    id: 'T1',
    section: 'throughput',
    question: '(2) warm cache against (1) bare route',
    metric: '(2)/(1) by server CPU per request',
    threshold: { atLeast: 0.95 },
    measure: (r) => ratioByCpu(r, 'kit-cache', 'bare'),
  },
  {
    id: 'T2',
    section: 'throughput',
    question: '(3) cache:false against (4) official SDK',
    metric: '(3)/(4) by req/s',
    threshold: { atLeast: 2.5 },
    measure: (r) => ratioByRps(r, 'kit-nocache', 'sdk'),
  },
  {
    id: 'T3',
    section: 'throughput',
    question: '(3) cache:false against (5) raw undici',
    metric: '(3)/(5) by server CPU per request',
    threshold: { atLeast: 0.95 },
    measure: (r) => ratioByCpu(r, 'kit-nocache', 'undici'),
  },
  {
    id: 'T4',
    section: 'throughput',
    question: '(6a) Local Instant verify against (6b) node:http',
    metric: '(6a)/(6b) by req/s',
    threshold: { atLeast: 0.7 },
    measure: (r) => ratioByRps(r, 'local-verify', 'http-json'),
  },
  {
    id: 'T1p',
    section: 'paired',
    question: '(2) warm cache against (1) bare, both loaded at once',
    metric: '(2)/(1) by app CPU per request',
    threshold: { atLeast: 0.95 },
    measure: (r) => pairedRatio(r, 'bare', 'kit-cache'),
  },
  {
    id: 'T3p',
    section: 'paired',
    question: '(3) cache:false against (5) undici, both loaded at once',
    metric: '(3)/(5) by app CPU per request',
    threshold: { atLeast: 0.95 },
    measure: (r) => pairedRatio(r, 'undici', 'kit-nocache'),
  },
  {
    id: 'T5',
    section: 'singleflight',
    question: `(7) ${BURST_N} concurrent requests with one new token`,
    metric: 'upstream verifications in the worst trial, all answers 200',
    threshold: { equals: 1 },
    measure(r) {
      const trials = /** @type {any[]} */ (r.trials ?? [])
      const counts = trials.map((t) => Number(t.verifications))
      const all200 = trials.every((t) => t.statusCodes?.['200'] === r.n)
      // The trial furthest from 1; a burst not answered 200 throughout cannot pass.
      const worst = counts.reduce((w, c) => (Math.abs(c - 1) > Math.abs(w - 1) ? c : w), 1)
      return {
        value: counts.length === 0 ? NaN : all200 ? worst : Infinity,
        measured:
          `${counts.join(', ')}${all200 ? '' : ' (not all 200)'}` +
          (r.control ? `; official SDK control: ${r.control.verifications}` : ''),
      }
    },
  },
  {
    id: 'T6a',
    section: 'memory',
    question: '(8) RSS growth over 1M bogus tokens',
    metric: 'MB kept after GC, and MB the kit adds to the peak over the control (the larger)',
    threshold: { atMost: 64 },
    measure(m) {
      /** @type {number | undefined} */
      const controlPeak = m.control?.failed ? undefined : m.control?.rssGrowthPeakMB
      // What the process keeps after the flood, and what the kit adds to the transient peak over
      // a cache-less control (the rest of the peak is uncollected garbage any such code makes).
      return {
        value: Math.max(m.rssGrowthFinalMB, m.rssGrowthPeakMB - (controlPeak ?? 0)),
        measured:
          `+${fmt(m.rssGrowthFinalMB, 1)} MB kept; peak +${fmt(m.rssGrowthPeakMB, 1)} MB` +
          (controlPeak === undefined ? '' : ` vs control +${fmt(controlPeak, 1)} MB`),
      }
    },
  },
  {
    id: 'T6b',
    section: 'memory',
    question: '(8) the verification cache under 1M bogus tokens',
    metric: 'largest size observed over its bound',
    threshold: { atMost: 1 },
    measure: (m) => ({
      value:
        m.cacheBound == null || m.cacheMaxObserved == null
          ? NaN
          : m.cacheMaxObserved / m.cacheBound,
      measured:
        m.cacheMaxObserved == null
          ? 'cache size not exposed'
          : `max ${m.cacheMaxObserved} / bound ${m.cacheBound ?? 'unknown'}`,
      ...(m.cacheSizeSource && m.cacheSizeSource !== 'kit'
        ? { note: `read from ${m.cacheSizeSource}` }
        : {}),
    }),
  },
  {
    id: 'T7',
    section: 'realtime',
    question: '(16) transact → refresh-ok in 100 sessions',
    metric: 'p50 ms to the last session',
    threshold: { atMost: 20 },
    measure: (r) => ({
      value: r.toAllP50Ms,
      measured: `p50 ${fmt(r.toAllP50Ms, 1)} ms, p99 ${fmt(r.toAllP99Ms, 1)} ms`,
    }),
  },
  {
    id: 'E1',
    section: 'testing',
    question: 'initializeTestEnvironment() start (rules and schema as objects)',
    metric: 'p50 ms',
    threshold: { atMost: 30 },
    measure: (t) => ({
      value: t.start.p50Ms,
      measured: `p50 ${fmt(t.start.p50Ms, 1)} ms, p99 ${fmt(t.start.p99Ms, 1)} ms (n=${t.runs})`,
    }),
  },
  {
    id: 'E2',
    section: 'testing',
    question: 'clearData() with 1,000 entities and 10 users',
    metric: 'p50 ms (and nothing left)',
    threshold: { atMost: 5 },
    measure: (t) => ({
      value: t.clear.left === 0 ? t.clear.p50Ms : NaN,
      measured: `p50 ${fmt(t.clear.p50Ms, 2)} ms, p99 ${fmt(t.clear.p99Ms, 2)} ms (n=${t.runs}), ${t.clear.left} entities left`,
    }),
  },
  {
    id: 'L1',
    section: 'sqlite',
    question: 'Local Instant on node:sqlite against better-sqlite3',
    metric: 'node:sqlite / better-sqlite3, median ms of a 100-step transact (reported)',
    threshold: null,
    measure: (r) => sqliteRatio(r, 'transact'),
  },
  {
    id: 'L2',
    section: 'sqlite',
    question: 'Local Instant on node:sqlite against better-sqlite3',
    metric: 'node:sqlite / better-sqlite3, median ms of an equality where (reported)',
    threshold: null,
    measure: (r) => sqliteRatio(r, 'query'),
  },
  {
    id: 'R1a',
    section: 'sessions',
    question:
      '(issue 23) R1: HTTP during a write stream, 1,000 sessions × 10 live queries over 40k rows',
    metric: 'HTTP probe p99 ms',
    threshold: { atMost: 50 },
    measure: (r) => ({
      value: r.R1?.probeP99Ms ?? NaN,
      measured: r.R1?.failed
        ? 'failed'
        : `p99 ${fmt(r.R1.probeP99Ms, 1)} ms, p50 ${fmt(r.R1.probeP50Ms, 1)} ms (${r.R1.sessions} sessions, ${r.R1.rows} rows)`,
    }),
  },
  {
    id: 'R1b',
    section: 'sessions',
    question: '(issue 23) R1: the same write stream',
    metric: 'longest event-loop block ms',
    threshold: { atMost: 50 },
    measure: (r) => ({
      value: r.R1?.loopMaxMs ?? NaN,
      measured: r.R1?.failed ? 'failed' : `${fmt(r.R1.loopMaxMs, 1)} ms`,
    }),
  },
  {
    id: 'R1c',
    section: 'sessions',
    question: '(issue 23) R1: the same write stream, every affected session pushed',
    metric: 'push latency p50/p99 ms (reported; sessions missed judged)',
    threshold: { equals: 0 },
    measure: (r) => ({
      value: r.R1?.pushesMissed ?? NaN,
      measured: r.R1?.failed
        ? 'failed'
        : `p50 ${fmt(r.R1.pushP50Ms, 1)} ms, p99 ${fmt(r.R1.pushP99Ms, 1)} ms (n=${r.R1.pushes}, missed ${r.R1.pushesMissed})`,
    }),
  },
  {
    id: 'R2',
    section: 'sessions',
    question: "(issue 23) R2: 100 sessions of `todos where ownerId = me`, one user's write",
    metric: 'live queries recomputed (local.stats())',
    threshold: { equals: 1 },
    measure: (r) => ({
      value: r.R2?.recomputed ?? NaN,
      measured: r.R2?.failed ? 'failed' : `${r.R2.recomputed} of ${r.R2.sessions}`,
    }),
  },
  {
    id: 'R3',
    section: 'sessions',
    question: '(issue 23) R3: a client that never reads, 5,000 add-query/remove-query pairs',
    metric: 'server RSS growth MiB at peak, at most the 4 MiB cap + 16',
    threshold: { atMost: 20 },
    measure: (r) => ({
      value: r.R3?.rssGrowthPeakMiB ?? NaN,
      measured: r.R3?.failed
        ? 'failed'
        : `+${fmt(r.R3.rssGrowthPeakMiB, 1)} MiB peak, +${fmt(r.R3.rssGrowthFinalMiB, 1)} MiB after GC (result ${fmt(r.R3.resultBytes / 1e6, 2)} MB)`,
    }),
  },
  {
    id: 'R4',
    section: 'sessions',
    question: '(issue 23) R4: 10,000 idle signed-in sessions',
    metric: 'KiB of server RSS per session',
    threshold: { atMost: 20 },
    measure: (r) => ({
      value: r.R4?.rssPerSessionKiB ?? NaN,
      measured: r.R4?.failed
        ? 'failed'
        : `${fmt(r.R4.rssPerSessionKiB, 1)} KiB RSS, ${fmt(r.R4.heapPerSessionKiB, 1)} KiB heap (${r.R4.sessions} sessions)`,
    }),
  },
  {
    id: 'B1',
    section: 'backup',
    question: '(issue 25) instant-local import of a 100,000-entity backup',
    metric: 'entities/s, wall clock',
    threshold: { atLeast: 20_000 },
    measure: (b) => ({
      value: b.entitiesPerS,
      measured: `${fmt(b.entitiesPerS, 0)} entities/s (${b.entities} in ${fmt(b.ms / 1000, 1)}s)`,
      note: `${fmt(b.entitiesPerCpuS, 0)} entities per CPU-second (${fmt(b.cpuMs / 1000, 1)}s of CPU)`,
    }),
  },
  {
    id: 'B2',
    section: 'backup',
    question: '(issue 25) the same import: memory stays bounded (streamed line by line)',
    metric: 'peak RSS growth over the baseline, MiB',
    threshold: { atMost: 128 },
    measure: (b) => ({
      value: b.rssGrowthMiB,
      measured: `+${fmt(b.rssGrowthMiB, 1)} MiB (peak ${fmt(b.rssPeakMiB, 0)} MiB)`,
    }),
  },
  {
    id: 'M1',
    section: 'multi',
    question: '(issue 14) one token on 3 instances sharing a Redis store',
    metric: 'upstream verifications',
    threshold: { equals: 1 },
    measure: (m) => ({
      value: m.upstreamVerifications.redis,
      measured: `${m.upstreamVerifications.redis} with Redis, ${m.upstreamVerifications.memory} without`,
    }),
  },
  {
    id: 'M2',
    section: 'multi',
    question: '(issue 14) revocation: 204 on A → 401 on B and C',
    metric: 'p99 ms',
    threshold: { atMost: 100 },
    measure: (m) => ({
      value: m.revocationMs.p99,
      measured: `p99 ${fmt(m.revocationMs.p99, 1)} ms`,
    }),
  },
  {
    id: 'S1',
    section: 'soak',
    question: '(9) soak: 5xx but the 503s while Instant is down',
    metric: 'count',
    threshold: { atMost: 0 },
    measure(s) {
      const other5xx = Object.values(s.fiveXxOutsideOutage ?? {}).reduce((a, b) => a + Number(b), 0)
      return {
        value: other5xx,
        measured: `${other5xx} other 5xx; answers ${JSON.stringify(s.statusCodes)}`,
      }
    },
  },
  {
    id: 'S2',
    section: 'soak',
    question: '(9) soak: unhandled rejections',
    metric: 'count',
    threshold: { atMost: 0 },
    measure: (s) => ({ value: s.unhandledRejections, measured: String(s.unhandledRejections) }),
  },
  {
    id: 'S3',
    section: 'soak',
    question: '(9) soak: RSS growth after GC',
    metric: 'MB from the first sample (10 s) to the end',
    threshold: { atMost: 10 },
    measure: (s) => ({
      value: s.rssGrowthMB,
      measured: `${fmt(s.rssGrowthMB, 1)} MB (${fmt(s.rssAtFirstMB, 1)} → ${fmt(s.rssAtEndMB, 1)}, from ${s.rssFirstAtS} s)`,
      note: soakMemoryNote(s),
    }),
  },
  {
    id: 'S4',
    section: 'soak',
    question: '(9) soak: event-loop delay',
    metric: 'p99 ms',
    threshold: null,
    measure: (s) => ({
      value: s.eventLoopDelayMs.p99,
      measured: `p50 ${s.eventLoopDelayMs.p50} ms, p99 ${s.eventLoopDelayMs.p99} ms, max ${s.eventLoopDelayMs.max} ms`,
    }),
  },
]
