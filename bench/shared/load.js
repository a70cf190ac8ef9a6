// @ts-check
// The load generator, in its own process: `node bench/shared/load.js '<json config>'`. Prints one JSON
// result line on stdout.
//
//   { mode: 'throughput', url, method?, headers?, body?, connections, duration, warmup }
//     autocannon (pipelining 1): a warm-up run, then the measured run.
//   { mode: 'burst', url, headers, n }
//     N requests fired at once over N already-open keep-alive connections (single-flight check).
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { Pool, request } from 'undici'

/**
 * `perConnection[i % length]` overrides headers and body for connection i: each connection plays
 * a different user, as on a real server (and as single-flight cannot then merge their requests).
 * @typedef {{ headers?: Record<string, string>, body?: string }} ConnectionSetup
 * @typedef {{ mode: 'throughput', url: string, method?: string, headers?: Record<string, string>,
 *   body?: string, perConnection?: ConnectionSetup[], connections: number, duration: number,
 *   warmup: number, cpuURLs?: Record<string, string> }} ThroughputConfig
 * @typedef {{ mode: 'burst', url: string, headers: Record<string, string>, n: number }} BurstConfig
 */

/** @type {ThroughputConfig | BurstConfig} */
const config = JSON.parse(process.argv[2] ?? '{}')

/**
 * Reads the CPU time (µs) of each server process under test.
 * @param {Record<string, string> | undefined} urls
 * @returns {Promise<Record<string, number>>}
 */
async function readCpu(urls) {
  /** @type {Record<string, number>} */
  const out = {}
  for (const [name, url] of Object.entries(urls ?? {})) {
    const res = await request(url)
    const body = /** @type {{ cpuUs: number }} */ (await res.body.json())
    out[name] = body.cpuUs
  }
  return out
}

/** @param {ThroughputConfig} c */
async function throughput(c) {
  const perConnection = c.perConnection ?? []
  /** @param {number} duration */
  const run = (duration) => {
    let next = 0
    return autocannon({
      url: c.url,
      method: /** @type {any} */ (c.method ?? 'GET'),
      headers: c.headers ?? {},
      body: c.body,
      connections: c.connections,
      pipelining: 1,
      duration,
      setupClient(client) {
        const setup = perConnection[next++ % Math.max(perConnection.length, 1)]
        if (setup === undefined) return
        client.setHeadersAndBody({ ...c.headers, ...setup.headers }, setup.body ?? c.body)
      },
    })
  }
  if (c.warmup > 0) await run(c.warmup)
  const cpuBefore = await readCpu(c.cpuURLs)
  const r = await run(c.duration)
  const cpuAfter = await readCpu(c.cpuURLs)
  /** @type {Record<string, number>} */
  const cpuUsPerRequest = {}
  for (const [name, before] of Object.entries(cpuBefore)) {
    const after = cpuAfter[name]
    if (after !== undefined && r.requests.total > 0) {
      cpuUsPerRequest[name] = (after - before) / r.requests.total
    }
  }
  /** @type {Record<string, number>} */
  const statusCodes = {}
  for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) {
    statusCodes[code] = Number(/** @type {any} */ (stat).count)
  }
  return {
    rps: r.requests.total / r.duration,
    requests: r.requests.total,
    durationS: r.duration,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
    cpuUsPerRequest,
  }
}

/** @param {BurstConfig} c */
async function burst(c) {
  const url = new URL(c.url)
  const pool = new Pool(url.origin, { connections: c.n, pipelining: 1 })
  const path = url.pathname + url.search
  // Open the N connections first, on a path no middleware handles (404, nothing goes upstream),
  // so the burst itself is not spread out by TCP handshakes.
  await Promise.all(
    Array.from({ length: c.n }, async () => {
      const r = await pool.request({ path: '/__bench-warm', method: 'GET' })
      await r.body.dump()
    }),
  )
  const started = performance.now()
  const statuses = await Promise.all(
    Array.from({ length: c.n }, async () => {
      const r = await pool.request({ path, method: 'GET', headers: c.headers })
      await r.body.dump()
      return r.statusCode
    }),
  )
  const elapsedMs = performance.now() - started
  await pool.close()
  /** @type {Record<string, number>} */
  const statusCodes = {}
  for (const s of statuses) statusCodes[s] = (statusCodes[s] ?? 0) + 1
  return { n: c.n, statusCodes, elapsedMs }
}

const result = config.mode === 'burst' ? await burst(config) : await throughput(config)
process.stdout.write(JSON.stringify(result) + '\n')
