// @ts-check
// Realtime sessions under heavy and hostile clients (issue 23), one scenario per run against a
// fresh Local Instant (sessions-server.js), chosen by BENCH_SCENARIO:
//   R1  BENCH_R1_SESSIONS (1000) sessions × 10 live queries over a BENCH_R1_ROWS (40000)-row
//       namespace, each `where` matching 4 rows; a stream of BENCH_R1_WRITES (200) one-step writes
//       while an HTTP probe runs: probe p99, longest event-loop block, push latency p50/p99.
//   R2  100 users, each session subscribed to `todos where ownerId = me`; one user's write:
//       how many live queries it recomputes (`local.stats().recomputations`).
//   R3  a guest that never reads sends 5,000 add-query/remove-query pairs of a 0.5 MB result:
//       Local Instant's RSS growth against its `maxSessionBufferBytes` cap.
//   R4  BENCH_R4_SESSIONS (10000) idle signed-in sessions: memory per session.
// Env: API_URI, APP_ID, ADMIN_TOKEN, CONTROL_URL.
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'

const apiURI = process.env.API_URI ?? ''
const appId = process.env.APP_ID ?? ''
const adminToken = process.env.ADMIN_TOKEN ?? ''
const controlURL = process.env.CONTROL_URL ?? ''
const wsURI = `${apiURI.replace(/^http/, 'ws')}/runtime/session?app_id=${appId}`
const STEP_TIMEOUT_MS = 60_000

/** @param {number[]} xs @param {number} p */
function percentile(xs, p) {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return /** @type {number} */ (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))])
}

/** @param {string} path @returns {Promise<any>} */
async function control(path = '/') {
  return (await fetch(controlURL + path)).json()
}

/** @param {string} path @param {unknown} body @returns {Promise<any>} */
async function admin(path, body) {
  const res = await fetch(`${apiURI}${path}?app_id=${appId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${adminToken}`,
      'app-id': appId,
    },
    body: JSON.stringify(body),
  })
  const json = await res.json()
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

/** @param {unknown[]} steps @returns {Promise<number>} the tx-id */
const transact = async (steps) => (await admin('/admin/transact', { steps }))['tx-id']

/** @param {string} email @returns {Promise<{ token: string, id: string }>} */
async function userToken(email) {
  const { user } = await admin('/admin/refresh_tokens', { email })
  return { token: user.refresh_token, id: user.id }
}

/**
 * One protocol session; `request` resolves with the answer to a message, `onRefresh` hears
 * every `refresh-ok` (with its arrival time).
 * @param {string} [token]
 */
async function openSession(token) {
  const socket = new WebSocket(wsURI)
  /** @type {Map<string, (msg: any) => void>} */
  const waiting = new Map()
  const session = {
    socket,
    /** @type {(msg: any, at: number) => void} */
    onRefresh: () => {},
    /** @param {Record<string, unknown>} msg @returns {Promise<any>} */
    request(msg) {
      return new Promise((resolve, reject) => {
        const eventId = randomUUID()
        const timer = setTimeout(() => reject(new Error(`no answer to ${msg.op}`)), STEP_TIMEOUT_MS)
        waiting.set(eventId, (answer) => {
          clearTimeout(timer)
          if (answer.op === 'error') reject(new Error(`${msg.op}: ${answer.message}`))
          else resolve(answer)
        })
        socket.send(JSON.stringify({ ...msg, 'client-event-id': eventId }))
      })
    },
  }
  socket.on('message', (data) => {
    const at = performance.now()
    const msg = JSON.parse(String(data))
    if (msg.op === 'refresh-ok') session.onRefresh(msg, at)
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
  await session.request({
    op: 'init',
    'app-id': appId,
    versions: {},
    ...(token ? { 'refresh-token': token } : {}),
  })
  return session
}

/**
 * Runs `f(0..n-1)`, `width` at a time.
 * @template T @param {number} n @param {number} width @param {(i: number) => Promise<T>} f
 * @returns {Promise<T[]>}
 */
async function inBatches(n, width, f) {
  /** @type {T[]} */
  const out = []
  for (let start = 0; start < n; start += width) {
    const batch = []
    for (let i = start; i < Math.min(n, start + width); i++) batch.push(f(i))
    out.push(...(await Promise.all(batch)))
  }
  return out
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function r1() {
  const SESSIONS = Number(process.env.BENCH_R1_SESSIONS ?? 1_000)
  const ROWS = Number(process.env.BENCH_R1_ROWS ?? 40_000)
  const WRITES = Number(process.env.BENCH_R1_WRITES ?? 200)
  const QUERIES = 10
  const BUCKETS = ROWS / 4
  /** @type {string[]} */
  const rows = []
  const t0 = performance.now()
  for (let start = 0; start < ROWS; start += 1_000) {
    const steps = []
    for (let n = start; n < Math.min(ROWS, start + 1_000); n++) {
      const rowId = randomUUID()
      rows.push(rowId)
      steps.push(['update', 'items', rowId, { bucket: n % BUCKETS, v: 0 }])
    }
    await transact(steps)
  }
  await transact([['update', 'probe', randomUUID(), { ok: true }]])
  const seedMs = performance.now() - t0
  /** Session index → the write it waits for: its start time. */
  const waitingWrite = new Map()
  /** @type {number[]} */
  const pushes = []
  const sessions = await inBatches(SESSIONS, 50, async (i) => {
    const s = await openSession()
    s.onRefresh = (_msg, at) => {
      const started = waitingWrite.get(i)
      if (started === undefined) return
      waitingWrite.delete(i)
      pushes.push(at - started)
    }
    await Promise.all(
      Array.from({ length: QUERIES }, (_, j) =>
        s.request({
          op: 'add-query',
          q: { items: { $: { where: { bucket: (i * QUERIES + j) % BUCKETS } } } },
        }),
      ),
    )
    return s
  })
  const subscribedMs = performance.now() - t0 - seedMs
  // The probe: one admin query in flight at a time, for as long as the writes run.
  /** @type {number[]} */
  const probes = []
  let writing = true
  const probing = (async () => {
    while (writing) {
      const p0 = performance.now()
      await admin('/admin/query', { query: { probe: {} } })
      probes.push(performance.now() - p0)
      await sleep(5)
    }
  })()
  await control('/reset')
  const before = (await control()).stats.recomputations
  for (let w = 0; w < WRITES; w++) {
    const row = Math.floor(Math.random() * ROWS)
    const bucket = row % BUCKETS
    // The one session whose queries include this bucket (QUERIES consecutive buckets each).
    const first = bucket % (SESSIONS * QUERIES)
    const owner = Math.floor(first / QUERIES)
    const started = performance.now()
    if (first === bucket && owner < SESSIONS) waitingWrite.set(owner, started)
    await transact([['update', 'items', rows[row], { v: w + 1 }]])
    await sleep(20)
  }
  for (let n = 0; n < 250 && waitingWrite.size > 0; n++) await sleep(20)
  writing = false
  await probing
  const after = await control()
  for (const s of sessions) s.socket.close()
  return {
    sessions: SESSIONS,
    queries: SESSIONS * QUERIES,
    rows: ROWS,
    writes: WRITES,
    seedMs,
    subscribedMs,
    probes: probes.length,
    probeP50Ms: percentile(probes, 50),
    probeP99Ms: percentile(probes, 99),
    loopMaxMs: after.loopMaxMs,
    pushes: pushes.length,
    pushesMissed: waitingWrite.size,
    pushP50Ms: percentile(pushes, 50),
    pushP99Ms: percentile(pushes, 99),
    recomputations: after.stats.recomputations - before,
  }
}

async function r2() {
  const USERS = 100
  const users = await inBatches(USERS, 20, (i) => userToken(`r2-${i}@example.com`))
  const steps = users.flatMap((u) =>
    [0, 1, 2].map((n) => ['update', 'todos', randomUUID(), { title: `t${n}`, ownerId: u.id }]),
  )
  await transact(steps)
  let refreshed = 0
  const sessions = await inBatches(USERS, 20, async (i) => {
    const u = /** @type {{ token: string, id: string }} */ (users[i])
    const s = await openSession(u.token)
    await s.request({ op: 'add-query', q: { todos: { $: { where: { ownerId: u.id } } } } })
    s.onRefresh = () => refreshed++
    return s
  })
  const before = (await control()).stats.recomputations
  const writer = /** @type {{ token: string, id: string }} */ (users[0])
  const delivered = new Promise((resolve) => {
    const s = /** @type {(typeof sessions)[0]} */ (sessions[0])
    s.onRefresh = () => {
      refreshed++
      resolve(undefined)
    }
  })
  await transact([['update', 'todos', randomUUID(), { title: 'new', ownerId: writer.id }]])
  await delivered
  await sleep(200)
  const after = await control()
  for (const s of sessions) s.socket.close()
  return {
    sessions: USERS,
    recomputed: after.stats.recomputations - before,
    refreshes: refreshed,
  }
}

async function r3() {
  const PAIRS = 5_000
  const ROWS = 2_000
  const WARM_PAIRS = 20
  for (let start = 0; start < ROWS; start += 500) {
    const steps = []
    for (let n = start; n < start + 500; n++) {
      steps.push(['update', 'blobs', randomUUID(), { text: `row ${n} `.padEnd(200, '.'), n }])
    }
    await transact(steps)
  }
  const q = { blobs: {} }
  // A reading client first, so the baseline is a server that has served such results (its
  // heap's young generation grown to the work), not one that never computed one.
  const reader = await openSession()
  let resultBytes = 0
  for (let n = 0; n < WARM_PAIRS; n++) {
    const answer = await reader.request({ op: 'add-query', q })
    resultBytes = JSON.stringify(answer.result).length
    await reader.request({ op: 'remove-query', q })
  }
  reader.socket.close()
  await sleep(100)
  const baseline = await control('/gc')
  const hostile = await openSession()
  // From here it never reads: the server's answers pile up.
  const raw = /** @type {{ _socket: import('node:net').Socket }} */ (
    /** @type {unknown} */ (hostile.socket)
  )._socket
  raw.pause()
  for (let n = 0; n < PAIRS; n++) {
    hostile.socket.send(JSON.stringify({ op: 'add-query', q, 'client-event-id': `a${n}` }))
    hostile.socket.send(JSON.stringify({ op: 'remove-query', q, 'client-event-id': `r${n}` }))
  }
  let peak = baseline.rss
  let endedAt = -1
  for (let n = 0; n < 400; n++) {
    const c = await control()
    peak = Math.max(peak, c.rss)
    if (c.stats.sessions === 0 && endedAt === -1) endedAt = n
    if (endedAt !== -1 && n - endedAt >= 40) break
    await sleep(25)
  }
  const final = await control('/gc')
  hostile.socket.terminate()
  return {
    pairs: PAIRS,
    resultBytes,
    sessionEnded: endedAt !== -1,
    capBytes: 4 * 1024 * 1024,
    rssGrowthPeakMiB: (peak - baseline.rss) / 2 ** 20,
    rssGrowthFinalMiB: (final.rss - baseline.rss) / 2 ** 20,
  }
}

async function r4() {
  const SESSIONS = Number(process.env.BENCH_R4_SESSIONS ?? 10_000)
  const PER_USER = 100
  const users = await inBatches(Math.ceil(SESSIONS / PER_USER), 20, (i) =>
    userToken(`r4-${i}@example.com`),
  )
  // A session first, so the baseline holds what the first one loads once.
  const warm = await openSession(users[0]?.token)
  warm.socket.close()
  await sleep(200)
  const baseline = await control('/gc')
  const sessions = await inBatches(SESSIONS, 200, (i) =>
    openSession(users[Math.floor(i / PER_USER)]?.token),
  )
  await sleep(500)
  const after = await control('/gc')
  for (const s of sessions) s.socket.close()
  return {
    sessions: SESSIONS,
    open: after.stats.sessions,
    rssPerSessionKiB: (after.rss - baseline.rss) / SESSIONS / 1024,
    heapPerSessionKiB: (after.heapUsed - baseline.heapUsed) / SESSIONS / 1024,
  }
}

const scenarios = { R1: r1, R2: r2, R3: r3, R4: r4 }
const name = /** @type {keyof typeof scenarios} */ (process.env.BENCH_SCENARIO ?? 'R2')
const result = await scenarios[name]()
process.stdout.write(JSON.stringify(result) + '\n')
process.exit(0)
