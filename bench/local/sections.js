// @ts-check
// The Local Instant sections of `npm run bench`: `query` (a seeded equality `where` and a
// 100-step transact through the admin client), `sqlite` (the same on each SQLite driver this
// Node has) and `realtime` (a commit's fan-out to 100 sessions, add-query of 1,000 rows: T7).
// Each gets a fresh Local Instant.
import { isBuiltin } from 'node:module'
import { runChild, stopChild } from '../shared/children.js'
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
