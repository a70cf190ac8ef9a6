// @ts-check
// Micro-benchmark of Local Instant's data engine (no HTTP):
// `npm run build && node bench/local/data-engine.js`.
// Loads N entities in one transaction, then times queries: an equality `where` on an indexed
// attribute (an index seek), a `$like` (a full scan), a nested link query and a small transaction.
// Environment: BENCH_N=10000  BENCH_REPS=200  BENCH_SQLITE=node:sqlite|better-sqlite3 (default:
// Local Instant's choice for this Node)
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { createDataEngine } from '../../dist/local/data/index.js'
import { DATA_TABLES } from '../../dist/local/data/migrations.js'
import { defaultSqliteDriver, openSqlite } from '../../dist/local/sqlite.js'

const N = Number(process.env.BENCH_N ?? 10_000)
const REPS = Number(process.env.BENCH_REPS ?? 200)

const driver = /** @type {'node:sqlite' | 'better-sqlite3'} */ (
  process.env.BENCH_SQLITE || defaultSqliteDriver()
)
const db = openSqlite(':memory:', driver)
db.pragma('foreign_keys = ON')
db.exec(`CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT UNIQUE, type TEXT,
  created_at INTEGER NOT NULL, extra TEXT NOT NULL DEFAULT '{}')`)
db.exec(DATA_TABLES)

const schema = {
  entities: {
    todos: {
      attrs: {
        title: { valueType: 'string', config: { indexed: true, unique: false } },
        n: { valueType: 'number', config: { indexed: true, unique: false } },
      },
    },
    goals: { attrs: { title: { valueType: 'string', config: { indexed: true, unique: false } } } },
  },
  links: {
    goalTodos: {
      forward: { on: 'goals', has: 'many', label: 'todos' },
      reverse: { on: 'todos', has: 'one', label: 'goal' },
    },
  },
}
const engine = createDataEngine(db, { appId: randomUUID(), schema })
const admin = /** @type {const} */ ({ kind: 'admin' })

const goals = Array.from({ length: 100 }, () => randomUUID())
/** @type {unknown[]} */
const steps = goals.map((g, k) => ['update', 'goals', g, { title: `goal ${k}` }])
for (let k = 0; k < N; k++) {
  const t = randomUUID()
  steps.push(['update', 'todos', t, { title: `todo ${k % 1000}`, n: k }])
  steps.push(['link', 'todos', t, { goal: goals[k % goals.length] }])
}
let t0 = performance.now()
engine.transact({ steps }, admin)
const loadMs = performance.now() - t0

/** @param {string} name @param {() => unknown} fn @param {number} reps */
function time(name, fn, reps) {
  fn() // warm the statement and rule caches
  const t = performance.now()
  for (let k = 0; k < reps; k++) fn()
  const ms = (performance.now() - t) / reps
  console.log(`${name.padEnd(44)} ${ms.toFixed(3).padStart(9)} ms/op`)
  return ms
}

console.log(`Local Instant data engine, ${N} todos, node ${process.version}, ${driver}`)
console.log(`${'load (one transaction)'.padEnd(44)} ${loadMs.toFixed(1).padStart(9)} ms`)
time(
  'where title = "todo 42" (index seek)',
  () => engine.query({ query: { todos: { $: { where: { title: 'todo 42' } } } } }, admin),
  REPS,
)
time(
  'where n = 1234 (index seek)',
  () => engine.query({ query: { todos: { $: { where: { n: 1234 } } } } }, admin),
  REPS,
)
time(
  'where title $like "%99" (scan)',
  () => engine.query({ query: { todos: { $: { where: { title: { $like: '%99' } } } } } }, admin),
  Math.max(5, REPS / 20),
)
time(
  'goal by id with its todos (nested)',
  () => engine.query({ query: { goals: { $: { where: { id: goals[0] } }, todos: {} } } }, admin),
  REPS,
)
time(
  'order n desc, limit 10 (scan + sort)',
  () => engine.query({ query: { todos: { $: { order: { n: 'desc' }, limit: 10 } } } }, admin),
  Math.max(5, REPS / 20),
)
time(
  'transact: update one todo',
  () =>
    engine.transact({ steps: [['update', 'todos', randomUUID(), { title: 'x', n: -1 }]] }, admin),
  REPS,
)
db.close()
