// @ts-check
// Local Instant data path latency, through the kit's admin client: seeds N entities with chunked
// transacts, then times an equality `where` query and a 100-step transact.
// Env: API_URI, APP_ID, ADMIN_TOKEN; BENCH_ENTITIES (default 10000). Prints one JSON line.
import { performance } from 'node:perf_hooks'
import { init, tx, id } from '../../dist/admin/index.js'
import { median } from '../shared/stats.js'

const ENTITIES = Number(process.env.BENCH_ENTITIES ?? 10_000)
const SEED_CHUNK = 500
const TX_STEPS = 100
const RUNS = Number(process.env.BENCH_QUERY_RUNS ?? 30)
const MAX_PHASE_MS = 15_000

const db = init({
  appId: process.env.APP_ID ?? '',
  adminToken: process.env.ADMIN_TOKEN ?? '',
  apiURI: process.env.API_URI ?? '',
})

/** @param {number} i */
const sku = (i) => `sku-${String(i).padStart(6, '0')}`

/**
 * @param {() => Promise<unknown>} fn
 * @returns {Promise<{ medianMs: number, minMs: number, maxMs: number, runs: number }>}
 */
async function time(fn) {
  for (let i = 0; i < 3; i++) await fn() // warm-up
  const samples = []
  const deadline = performance.now() + MAX_PHASE_MS
  for (let i = 0; i < RUNS && performance.now() < deadline; i++) {
    const t0 = performance.now()
    await fn()
    samples.push(performance.now() - t0)
  }
  return {
    medianMs: median(samples),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
    runs: samples.length,
  }
}

const seedStarted = performance.now()
for (let start = 0; start < ENTITIES; start += SEED_CHUNK) {
  const steps = []
  for (let i = start; i < Math.min(start + SEED_CHUNK, ENTITIES); i++) {
    steps.push(tx.items[id()].update({ sku: sku(i), bucket: i % 100, title: `Item ${i}` }))
  }
  await db.transact(steps)
}
const seedMs = performance.now() - seedStarted

const target = sku(Math.floor(ENTITIES / 2))
const probe = /** @type {any} */ (await db.query({ items: { $: { where: { sku: target } } } }))
const matched = Array.isArray(probe?.items) ? probe.items.length : -1

const query = await time(() => db.query({ items: { $: { where: { sku: target } } } }))
const transact = await time(() => {
  const steps = []
  for (let i = 0; i < TX_STEPS; i++) {
    steps.push(tx.txbench[id()].update({ n: i, label: `step ${i}` }))
  }
  return db.transact(steps)
})

await db.close?.()
process.stdout.write(
  JSON.stringify({ entities: ENTITIES, seedMs, matched, query, transact, txSteps: TX_STEPS }) +
    '\n',
)
