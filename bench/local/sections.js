// @ts-check
// The Local Instant sections of `npm run bench`: `query` (a seeded equality `where` and a
// 100-step transact through the admin client) and `realtime` (a commit's fan-out to 100
// sessions, add-query of 1,000 rows: T7). Each gets a fresh Local Instant.
import { runChild, stopChild } from '../shared/children.js'
import { appEnvFor, startLocal } from '../shared/local-client.js'
import { fmt } from '../shared/stats.js'

/**
 * Runs `script` against a fresh Local Instant of its own.
 * @param {string} id @param {string} script
 */
async function againstLocal(id, script) {
  const local = await startLocal(`local-${id}`)
  try {
    return await runChild(id, script, { env: appEnvFor(local.info), timeoutMs: 120_000 })
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
