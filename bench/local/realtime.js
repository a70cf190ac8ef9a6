// @ts-check
// Local Instant's realtime sessions (`/runtime/session`): how long a commit takes to reach many
// subscribed sessions as `refresh-ok`, and how long `add-query` takes for a 1,000-row result.
// Local Instant runs in its own process (shared/local.js); the sessions here are plain `ws`
// clients speaking the protocol, so the SDK's own cost is not in the figures.
// Env: API_URI, APP_ID, ADMIN_TOKEN; BENCH_SESSIONS (100), BENCH_RT_RUNS (100), BENCH_ROWS (1000).
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { init, tx, id } from '../../dist/admin/index.js'

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100)
const RUNS = Number(process.env.BENCH_RT_RUNS ?? 100)
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000)
const ADD_QUERY_RUNS = 30
const STEP_TIMEOUT_MS = 10_000

const apiURI = process.env.API_URI ?? ''
const appId = process.env.APP_ID ?? ''
const db = init({ appId, adminToken: process.env.ADMIN_TOKEN ?? '', apiURI })
const wsURI = `${apiURI.replace(/^http/, 'ws')}/runtime/session?app_id=${appId}`

/** @param {number[]} xs @param {number} p */
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b)
  return /** @type {number} */ (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))])
}

/**
 * One protocol session: `request` sends a message and resolves with the first answer of `op`.
 * Every `refresh-ok` calls `onRefresh`.
 */
async function openSession() {
  const socket = new WebSocket(wsURI)
  /** @type {Map<string, (msg: any) => void>} */
  const waiting = new Map()
  /** @type {(at: number) => void} */
  let onRefresh = () => {}
  socket.on('message', (data) => {
    const at = performance.now()
    const msg = JSON.parse(String(data))
    if (msg.op === 'refresh-ok') onRefresh(at)
    const resolve = waiting.get(msg['client-event-id'])
    if (resolve) {
      waiting.delete(msg['client-event-id'])
      resolve(msg)
    }
  })
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  /** @param {Record<string, unknown>} msg @returns {Promise<any>} */
  const request = (msg) =>
    new Promise((resolve, reject) => {
      const eventId = randomUUID()
      const timer = setTimeout(() => reject(new Error(`no answer to ${msg.op}`)), STEP_TIMEOUT_MS)
      waiting.set(eventId, (answer) => {
        clearTimeout(timer)
        if (answer.op === 'error') reject(new Error(`${msg.op}: ${answer.message}`))
        else resolve(answer)
      })
      socket.send(JSON.stringify({ ...msg, 'client-event-id': eventId }))
    })
  await request({ op: 'init', 'app-id': appId, versions: {} })
  return {
    socket,
    request,
    /** @param {(at: number) => void} f */
    setOnRefresh(f) {
      onRefresh = f
    },
  }
}

// ---- fan-out: one admin transact, SESSIONS subscribers of the entity it changes
const counter = id()
await db.transact(tx.rtbench[counter].update({ n: 0 }))
const sessions = []
for (let i = 0; i < SESSIONS; i++) {
  const s = await openSession()
  await s.request({ op: 'add-query', q: { rtbench: {} } })
  sessions.push(s)
}

/** Time to the last session's refresh-ok, per transact; and every single delivery. */
const toAll = []
const deliveries = []
for (let run = 1; run <= RUNS + 5; run++) {
  let remaining = SESSIONS
  /** @type {number[]} */
  const arrivals = []
  const allIn = new Promise((resolve) => {
    for (const s of sessions) {
      s.setOnRefresh((at) => {
        arrivals.push(at)
        if (--remaining === 0) resolve(undefined)
      })
    }
  })
  const t0 = performance.now()
  await db.transact(tx.rtbench[counter].update({ n: run }))
  await Promise.race([
    allIn,
    new Promise((_, reject) => setTimeout(() => reject(new Error('refresh timeout')), 10_000)),
  ])
  if (run <= 5) continue // warm-up
  toAll.push(Math.max(...arrivals) - t0)
  for (const at of arrivals) deliveries.push(at - t0)
}
for (const s of sessions) s.socket.close()

// ---- add-query of a 1,000-row result
for (let start = 0; start < ROWS; start += 500) {
  const steps = []
  for (let i = start; i < Math.min(start + 500, ROWS); i++) {
    steps.push(tx.rtrows[id()].update({ title: `Row ${i}`, n: i }))
  }
  await db.transact(steps)
}
const reader = await openSession()
const q = { rtrows: {} }
const probe = await reader.request({ op: 'add-query', q })
const rows = probe.result[0].data['datalog-result']['join-rows'][0].length
await reader.request({ op: 'remove-query', q })
const addQuery = []
for (let i = 0; i < ADD_QUERY_RUNS + 3; i++) {
  const t0 = performance.now()
  await reader.request({ op: 'add-query', q })
  const ms = performance.now() - t0
  await reader.request({ op: 'remove-query', q })
  if (i >= 3) addQuery.push(ms)
}
reader.socket.close()
await db.close?.()

process.stdout.write(
  JSON.stringify({
    sessions: SESSIONS,
    runs: toAll.length,
    toAllP50Ms: percentile(toAll, 50),
    toAllP99Ms: percentile(toAll, 99),
    deliveryP50Ms: percentile(deliveries, 50),
    deliveryP99Ms: percentile(deliveries, 99),
    rows: ROWS,
    triples: rows,
    addQueryP50Ms: percentile(addQuery, 50),
    addQueryP99Ms: percentile(addQuery, 99),
    addQueryRuns: addQuery.length,
  }) + '\n',
)
