// @ts-check
// The testing entry's two costs that a suite pays per file and per test: starting an
// environment (`initializeTestEnvironment`, rules and schema given as objects) and
// `clearData()` with 1,000 entities in it. Env: BENCH_ENV_RUNS (default 30),
// BENCH_CLEAR_ENTITIES (default 1000). Prints one JSON line.
import { performance } from 'node:perf_hooks'
import { id } from '../../dist/admin/index.js'
import { initializeTestEnvironment } from '../../dist/testing/index.js'
import { median } from '../shared/stats.js'

const RUNS = Number(process.env.BENCH_ENV_RUNS ?? 30)
const ENTITIES = Number(process.env.BENCH_CLEAR_ENTITIES ?? 1000)
const SEED_CHUNK = 500

const rules = {
  todos: {
    allow: {
      view: 'auth.id != null',
      create: 'auth.id != null && newData.ownerId == auth.id',
      update: 'auth.id == data.ownerId',
      delete: 'auth.id == data.ownerId',
    },
  },
}
const schema = {
  entities: {
    todos: {
      attrs: {
        title: { valueType: 'string', config: {} },
        ownerId: { valueType: 'string', config: { indexed: true } },
      },
    },
  },
  links: {},
}

/** @param {number[]} xs @param {number} q */
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b)
  return Number(s[Math.min(s.length - 1, Math.floor(q * s.length))])
}

// Start: each run a fresh environment, timed until it resolves, then cleaned up (not timed).
for (let i = 0; i < 3; i++) await (await initializeTestEnvironment({ rules, schema })).cleanup()
const startMs = []
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now()
  const env = await initializeTestEnvironment({ rules, schema })
  startMs.push(performance.now() - t0)
  await env.cleanup()
}

// clearData: seed ENTITIES todos (and a few users with tokens), then time one clear.
const env = await initializeTestEnvironment({ rules, schema })
const clearMs = []
for (let i = 0; i < RUNS; i++) {
  for (let n = 0; n < ENTITIES; n += SEED_CHUNK) {
    const steps = []
    for (let k = n; k < Math.min(ENTITIES, n + SEED_CHUNK); k++) {
      steps.push(env.db.tx.todos[id()].update({ title: `todo ${k}`, ownerId: `user-${k % 10}` }))
    }
    await env.db.transact(steps)
  }
  for (let u = 0; u < 10; u++) await env.authenticatedContext({ email: `u${u}@example.com` })
  const t0 = performance.now()
  await env.clearData()
  clearMs.push(performance.now() - t0)
}
const left = (await env.db.query({ todos: {} })).todos.length
await env.cleanup()

process.stdout.write(
  JSON.stringify({
    runs: RUNS,
    start: { p50Ms: median(startMs), p99Ms: quantile(startMs, 0.99), maxMs: Math.max(...startMs) },
    clear: {
      entities: ENTITIES,
      p50Ms: median(clearMs),
      p99Ms: quantile(clearMs, 0.99),
      maxMs: Math.max(...clearMs),
      left,
    },
  }) + '\n',
)
