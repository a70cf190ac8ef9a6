// @ts-check
// The Local Instant sections of `npm run bench`: `query` (a seeded equality `where` and a
// 100-step transact through the admin client), `sqlite` (the same on each SQLite driver this
// Node has) and `realtime` (a commit's fan-out to 100 sessions, add-query of 1,000 rows: T7).
// Each gets a fresh Local Instant; `sessions` (R1–R4) its own server script.
import { isBuiltin } from 'node:module'
import { runChild, startChild, stopChild } from '../shared/children.js'
import { appEnvFor, startLocal } from '../shared/local-client.js'
import { fmt } from '../shared/stats.js'

/**
 * Runs `script` against a fresh Local Instant of its own.
 * @param {string} id @param {string} script
 * @param {Record<string, string>} [localEnv] for Local Instant's process
 * @param {Record<string, string>} [env] for the script's
 */
async function againstLocal(id, script, localEnv = {}, env = {}) {
  const local = await startLocal(`local-${id}`, localEnv)
  try {
    return await runChild(id, script, {
      env: { ...appEnvFor(local.info), ...env },
      timeoutMs: 120_000,
    })
  } finally {
    await stopChild(local.child)
  }
}

/** @type {import('../sections.js').Section} */
export const query = {
  id: 'query',
  about: 'seeding 10,000 entities in Local Instant, then an equality where and a transact',
  run: () => againstLocal('query', 'local/query.js'),
  summary: (q) => [
    `Local Instant: seeded ${q.entities} entities in ${fmt(q.seedMs / 1000, 1)}s; ` +
      `equality where (${q.matched} match): median ${fmt(q.query.medianMs, 2)} ms (n=${q.query.runs}); ` +
      `${q.txSteps}-step transact: median ${fmt(q.transact.medianMs, 2)} ms (n=${q.transact.runs})`,
  ],
}

/** @type {import('../sections.js').Section} */
export const realtime = {
  id: 'realtime',
  about: '100 sessions subscribed, then transacts; add-query of 1,000 rows',
  run: () => againstLocal('realtime', 'local/realtime.js'),
  summary: (r) => [
    `Realtime: transact → refresh-ok in all ${r.sessions} sessions: p50 ${fmt(r.toAllP50Ms, 1)} ms, p99 ${fmt(r.toAllP99Ms, 1)} ms (n=${r.runs}); ` +
      `per delivery p50 ${fmt(r.deliveryP50Ms, 1)} ms, p99 ${fmt(r.deliveryP99Ms, 1)} ms; ` +
      `add-query of ${r.rows} rows (${r.triples} triples): p50 ${fmt(r.addQueryP50Ms, 1)} ms, p99 ${fmt(r.addQueryP99Ms, 1)} ms (n=${r.addQueryRuns})`,
  ],
}

/** The SQLite drivers, Node's own first; `node:sqlite` exists from Node 22.13. */
const DRIVERS = /** @type {const} */ (['node:sqlite', 'better-sqlite3'])
// isBuiltin does not load the module (loading it prints Node's experimental warning).
const hasNodeSqlite = () => isBuiltin('node:sqlite')

/** @type {import('../sections.js').Section} */
export const sqlite = {
  id: 'sqlite',
  about: 'query and transact on each SQLite driver (node:sqlite needs Node 22.13+)',
  async run() {
    /** @type {Record<string, any>} */
    const drivers = {}
    for (const driver of DRIVERS) {
      if (driver === 'node:sqlite' && !hasNodeSqlite()) {
        drivers[driver] = { available: false }
        continue
      }
      const q = await againstLocal(
        `sqlite-${driver.replace(':', '-')}`,
        'local/query.js',
        { BENCH_SQLITE: driver },
        { BENCH_ENTITIES: process.env.BENCH_ENTITIES ?? '5000' },
      )
      drivers[driver] = { available: true, ...q }
    }
    return { node: process.version, drivers }
  },
  summary: (r) =>
    Object.entries(r.drivers).map(([driver, q]) =>
      q.available
        ? `SQLite ${driver} (Node ${r.node}): seeded ${q.entities} in ${fmt(q.seedMs / 1000, 1)}s; ` +
          `equality where: median ${fmt(q.query.medianMs, 2)} ms; ${q.txSteps}-step transact: median ${fmt(q.transact.medianMs, 2)} ms`
        : `SQLite ${driver}: not on Node ${r.node} (22.13+); run npm run bench on Node 22 or 24 to compare`,
    ),
}

/** What each scenario of the `sessions` section needs of its Local Instant. */
const SESSION_SCENARIOS = /** @type {const} */ ([
  ['R1', { maxSessionsPerIp: 100_000 }],
  ['R2', {}],
  ['R3', {}],
  ['R4', { maxSessionsPerIp: 100_000 }],
])

/** @type {import('../sections.js').Section} */
export const sessions = {
  id: 'sessions',
  about: 'realtime sessions under heavy and hostile clients: R1–R4 (issue 23)',
  async run() {
    /** @type {Record<string, any>} */
    const out = {}
    for (const [scenario, options] of SESSION_SCENARIOS) {
      const { child, info } = await startChild(`local-${scenario}`, 'local/sessions-server.js', {
        nodeArgs: ['--expose-gc'],
        env: { LOCAL_OPTIONS: JSON.stringify(options) },
      })
      try {
        out[scenario] = await runChild(`sessions-${scenario}`, 'local/sessions.js', {
          env: { ...appEnvFor(info), CONTROL_URL: info.controlURL, BENCH_SCENARIO: scenario },
          timeoutMs: 600_000,
        })
      } catch (err) {
        out[scenario] = { failed: String(err) }
      } finally {
        await stopChild(child)
      }
    }
    return out
  },
  summary: (r) => [
    r.R1?.failed
      ? `R1 failed: ${r.R1.failed}`
      : `R1: ${r.R1.sessions} sessions × 10 live queries over ${r.R1.rows} rows, ${r.R1.writes} writes: ` +
        `HTTP probe p50 ${fmt(r.R1.probeP50Ms, 1)} ms, p99 ${fmt(r.R1.probeP99Ms, 1)} ms (n=${r.R1.probes}); ` +
        `longest event-loop block ${fmt(r.R1.loopMaxMs, 1)} ms; push p50 ${fmt(r.R1.pushP50Ms, 1)} ms, ` +
        `p99 ${fmt(r.R1.pushP99Ms, 1)} ms (n=${r.R1.pushes}, missed ${r.R1.pushesMissed}); ` +
        `${r.R1.recomputations} recomputations`,
    r.R2?.failed
      ? `R2 failed: ${r.R2.failed}`
      : `R2: ${r.R2.sessions} sessions of todos where ownerId = me; one write recomputed ${r.R2.recomputed}, refreshes ${r.R2.refreshes}`,
    r.R3?.failed
      ? `R3 failed: ${r.R3.failed}`
      : `R3: a client that never reads, ${r.R3.pairs} add/remove pairs of a ${fmt(r.R3.resultBytes / 1e6, 2)} MB result: ` +
        `RSS +${fmt(r.R3.rssGrowthPeakMiB, 1)} MiB at peak, +${fmt(r.R3.rssGrowthFinalMiB, 1)} MiB after GC; session ended: ${r.R3.sessionEnded}`,
    r.R4?.failed
      ? `R4 failed: ${r.R4.failed}`
      : `R4: ${r.R4.sessions} idle signed-in sessions (${r.R4.open} open): ${fmt(r.R4.rssPerSessionKiB, 1)} KiB RSS, ` +
        `${fmt(r.R4.heapPerSessionKiB, 1)} KiB heap per session`,
  ],
}

/** @type {import('../sections.js').Section} */
export const backup = {
  id: 'backup',
  about: 'importing a generated 100,000-entity Instant backup into Local Instant',
  // Its own process (the script spawns the measured side), so the RSS is the import's alone.
  run: () => runChild('backup', 'local/backup-import.js', { timeoutMs: 300_000 }),
  summary: (b) => [
    `Backup import: ${b.entities} entities in ${fmt(b.ms / 1000, 1)}s (${fmt(b.entitiesPerS, 0)} entities/s, ` +
      `${fmt(b.entitiesPerCpuS, 0)} per CPU-second); ` +
      `RSS ${fmt(b.rssBaselineMiB, 0)} MiB before, peak ${fmt(b.rssPeakMiB, 0)} MiB (+${fmt(b.rssGrowthMiB, 0)} MiB)`,
  ],
}
