// @ts-check
// The multi-instance section of `npm run bench` (issue 14), in its own process:
// `node bench/multi-instance/multi-instance.js` prints one JSON line. It starts Debian's
// redis-server (redis-server.js: temp dir, free port, no persistence), Local Instant behind the
// counting proxy (shared/proxy.js) and app instances (multi-app.js), then measures:
//   1. upstream verifications for one token used on 3 instances, with and without the Redis store;
//   2. revocation propagation: from the 204 of a sign-out on instance A to the first 401 on B and
//      on C (polled at the same time), p50/p99 over 2 × MULTI_TRIALS samples;
//   3. throughput of POST /custom-send-magic-code and of GET /me (warm cache) on one instance,
//      Redis store vs memory store, interleaved ABBA over rounds (ratio = median per-round ratio).
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { request } from 'undici'
import { CONNECTIONS, DURATION_S, ROUNDS, WARMUP_S, intEnv } from '../shared/knobs.js'
import { startRedisServer } from './redis-server.js'

const here = dirname(fileURLToPath(import.meta.url))
const TRIALS = intEnv('MULTI_TRIALS', 200)

/** @type {Set<import('node:child_process').ChildProcess>} */
const live = new Set()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** @param {string} message */
const log = (message) => process.stderr.write(`[multi] ${message}\n`)

/**
 * Spawns `command args` and resolves with the first stdout line that `ready` accepts.
 * @param {string} command @param {string[]} args @param {Record<string, string>} env
 * @param {(line: string) => any} ready
 */
function start(command, args, env, ready) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  child.on('exit', () => live.delete(child))
  let stderr = ''
  child.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)))
  return new Promise((resolve, reject) => {
    let buffered = ''
    const timer = setTimeout(
      () => reject(new Error(`${args.join(' ')} not ready:\n${stderr}`)),
      60_000,
    )
    child.stdout?.on('data', (chunk) => {
      buffered += chunk
      let nl
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const value = ready(buffered.slice(0, nl))
        buffered = buffered.slice(nl + 1)
        if (value !== undefined) {
          clearTimeout(timer)
          resolve({ child, value })
        }
      }
    })
    child.once('exit', (code) => reject(new Error(`${command} exited ${code}:\n${stderr}`)))
  })
}

/** @param {import('node:child_process').ChildProcess} child */
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', resolve)
    child.kill('SIGTERM')
  })
}

/** @param {number[]} xs @param {number} q */
function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN
}

/** @param {number[]} xs */
const median = (xs) => quantile(xs, 0.5)

/**
 * @param {string} url @param {{ method?: string, token?: string, body?: unknown }} [options]
 * @returns {Promise<{ status: number, body: any }>}
 */
async function call(url, options = {}) {
  /** @type {Record<string, string>} */
  const headers = {}
  if (options.token) headers.token = options.token
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const res = await request(url, {
    method: /** @type {any} */ (options.method ?? 'GET'),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  })
  const text = await res.body.text()
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined }
}

/** @param {string} app @param {string} email */
async function signIn(app, email) {
  const { status, body } = await call(`${app}/sign-in`, { method: 'POST', body: { email } })
  if (status !== 200) throw new Error(`sign-in answered ${status}`)
  return /** @type {string} */ (body.token)
}

/** @param {Record<string, unknown>} config */
async function load(config) {
  const { value } = await start(
    process.execPath,
    [join(here, '..', 'shared', 'load.js'), JSON.stringify(config)],
    {},
    (line) => (line.startsWith('{') ? JSON.parse(line) : undefined),
  )
  return value
}

async function main() {
  const redis = await startRedisServer()
  const local = await start(
    process.execPath,
    [join(here, '..', 'shared', 'local.js')],
    {},
    (line) => JSON.parse(line),
  )
  const proxy = await start(
    process.execPath,
    [join(here, '..', 'shared', 'proxy.js')],
    { UPSTREAM: local.value.apiURI, PROXY_VERIFY_DELAY_MS: '0' },
    (line) => JSON.parse(line),
  )
  const proxyURL = `http://127.0.0.1:${proxy.value.port}`
  const count = async () => (await call(`${proxyURL}/__bench/count`)).body.verify
  /** @param {'redis' | 'memory'} store */
  const app = async (store) => {
    const { child, value } = await start(
      process.execPath,
      [join(here, 'multi-app.js')],
      {
        API_URI: proxyURL,
        APP_ID: local.value.appId,
        ADMIN_TOKEN: local.value.adminToken,
        REDIS_URL: redis.url,
        STORE: store,
      },
      (line) => JSON.parse(line),
    )
    return { child, url: `http://127.0.0.1:${value.port}` }
  }

  try {
    /** @type {Record<string, any>} */
    const result = {}
    // 1 and 2 with the Redis store; 1 again with memory stores.
    log('3 instances with the Redis store…')
    const redisApps = await Promise.all([app('redis'), app('redis'), app('redis')])
    const [a, b, c] = redisApps.map((x) => x.url)
    const upstreamFor = async (/** @type {string[]} */ urls, /** @type {string} */ email) => {
      const token = await signIn(/** @type {string} */ (urls[0]), email)
      const before = await count()
      for (const url of urls)
        if ((await call(`${url}/me`, { token })).status !== 200) throw new Error('/me failed')
      return (await count()) - before
    }
    result.upstreamVerifications = {
      redis: await upstreamFor([a, b, c].map(String), 'multi-redis@example.com'),
    }

    log(`revocation propagation, ${TRIALS} sign-outs…`)
    /** @type {number[]} */
    const propagation = []
    for (let i = 0; i < TRIALS; i++) {
      const token = await signIn(String(a), `revoke-${i}@example.com`)
      for (const url of [b, c])
        if ((await call(`${url}/me`, { token })).status !== 200) throw new Error('warm-up failed')
      const signedOut = await call(`${a}/sign-out`, { method: 'POST', token })
      const at204 = performance.now()
      if (signedOut.status !== 204) throw new Error(`sign-out answered ${signedOut.status}`)
      // B and C polled at the same time; each sample is one instance's first 401 after the 204.
      await Promise.all(
        [b, c].map(async (url) => {
          for (let polls = 0; ; polls++) {
            if ((await call(`${url}/me`, { token })).status === 401) break
            if (polls > 10_000) throw new Error('revocation never arrived')
          }
          propagation.push(performance.now() - at204)
        }),
      )
    }
    result.revocationMs = {
      trials: TRIALS,
      samples: propagation.length,
      p50: median(propagation),
      p99: quantile(propagation, 0.99),
      max: Math.max(...propagation),
    }
    await Promise.all(redisApps.map((x) => stop(x.child)))

    log('3 instances with memory stores…')
    const memoryApps = await Promise.all([app('memory'), app('memory'), app('memory')])
    result.upstreamVerifications.memory = await upstreamFor(
      memoryApps.map((x) => x.url),
      'multi-memory@example.com',
    )
    await Promise.all(memoryApps.map((x) => stop(x.child)))

    // 3. Throughput on one instance, Redis vs memory, ABBA.
    log(`throughput, ${ROUNDS} rounds × (${WARMUP_S}s + ${DURATION_S}s) × 4…`)
    /** @type {Record<string, any[]>} */
    const rounds = { 'send-redis': [], 'send-memory': [], 'me-redis': [], 'me-memory': [] }
    const emails = Array.from({ length: CONNECTIONS }, (_, i) => ({
      body: JSON.stringify({ email: `load-${i}@example.com` }),
    }))
    for (let round = 0; round < ROUNDS; round++) {
      const order = /** @type {const} */ (['redis', 'memory'])
      for (const store of round % 2 === 0 ? order : [...order].reverse()) {
        const instance = await app(store)
        const token = await signIn(instance.url, `load-me-${round}-${store}@example.com`)
        const common = {
          connections: CONNECTIONS,
          duration: DURATION_S,
          warmup: WARMUP_S,
          cpuURLs: { app: `${instance.url}/__bench/cpu` },
        }
        rounds[`send-${store}`]?.push(
          await load({
            mode: 'throughput',
            url: `${instance.url}/custom-send-magic-code`,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            perConnection: emails,
            ...common,
          }),
        )
        rounds[`me-${store}`]?.push(
          await load({
            mode: 'throughput',
            url: `${instance.url}/me`,
            headers: { token },
            ...common,
          }),
        )
        await stop(instance.child)
      }
    }
    /** @param {string} route */
    const ratio = (route) =>
      median(rounds[`${route}-redis`].map((r, i) => r.rps / rounds[`${route}-memory`][i].rps))
    /** @param {string} name */
    const summary = (name) => ({
      rpsMedian: median(rounds[name].map((r) => r.rps)),
      p99MsMedian: median(rounds[name].map((r) => r.latencyP99Ms)),
      non2xx: rounds[name].reduce((sum, r) => sum + r.non2xx, 0),
      appCpuUsPerRequest: median(rounds[name].map((r) => r.cpuUsPerRequest?.app ?? NaN)),
    })
    result.throughput = {
      send: { redis: summary('send-redis'), memory: summary('send-memory'), ratio: ratio('send') },
      me: { redis: summary('me-redis'), memory: summary('me-memory'), ratio: ratio('me') },
    }
    process.stdout.write(JSON.stringify(result) + '\n')
  } finally {
    await stop(proxy.child)
    await stop(local.child)
    await redis.close()
  }
}

main().catch((error) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error))
  process.exit(1)
})
