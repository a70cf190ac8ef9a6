// @ts-check
// Shared by throughput/paired.js and the diagnostics (instructions, allocations): Local Instant
// and one throughput/app.js
// variant in their own processes, ten users' tokens, and a fixed number of `GET /me` requests
// over ten keep-alive connections (a count, not a duration, so per-request figures divide exactly).
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Pool, request } from 'undici'

const here = dirname(fileURLToPath(import.meta.url))
export const CONNECTIONS = 10

/**
 * Starts a process and resolves with the first stdout line that is a JSON object.
 * @param {string} command @param {string[]} args @param {Record<string, string>} env
 * @param {(chunk: string) => void} [onStdout] sees all of stdout, the JSON line included
 * @returns {Promise<{ proc: import('node:child_process').ChildProcess, info: any }>}
 */
export function start(command, args, env, onStdout) {
  const proc = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  proc.stderr?.setEncoding('utf8').on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4_000)
  })
  return new Promise((resolve, reject) => {
    let buf = ''
    let ready = false
    proc.stdout?.setEncoding('utf8').on('data', (/** @type {string} */ chunk) => {
      onStdout?.(chunk)
      if (ready) return
      buf += chunk
      const line = buf.split('\n').find((l) => l.startsWith('{"') && l.endsWith('}'))
      if (line === undefined) return
      ready = true
      resolve({ proc, info: JSON.parse(line) })
    })
    proc.on('exit', (code) => {
      if (!ready) reject(new Error(`${command} exited (${code}): ${stderr}`))
    })
  })
}

/** @param {string} url @param {object} [init] */
export async function json(url, init) {
  const res = await request(url, /** @type {any} */ (init))
  return /** @type {any} */ (await res.body.json())
}

/**
 * Starts Local Instant and mints one token per connection.
 * @returns {Promise<{ local: Awaited<ReturnType<typeof start>>, env: Record<string, string>,
 *   tokens: string[] }>} `env` is what throughput/app.js needs to reach it
 */
export async function startLocalWithUsers() {
  const local = await start(process.execPath, [join(here, '..', 'shared', 'local.js')], {})
  const { apiURI, appId, adminToken } = local.info
  const tokens = []
  for (let i = 0; i < CONNECTIONS; i++) {
    const created = await json(`${apiURI}/admin/refresh_tokens?app_id=${appId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'app-id': appId,
        authorization: `Bearer ${adminToken}`,
      },
      body: JSON.stringify({ email: `bench-${i}@example.com` }),
    })
    tokens.push(created.user.refresh_token)
  }
  const verified = await json(`${apiURI}/runtime/auth/verify_refresh_token?app_id=${appId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ 'app-id': appId, 'refresh-token': tokens[0] }),
  })
  const env = {
    API_URI: apiURI,
    APP_ID: appId,
    ADMIN_TOKEN: adminToken,
    BENCH_USER_JSON: JSON.stringify(verified.user),
    // These tools run for minutes (valgrind): keep the kit variants' cache warm throughout.
    BENCH_CACHE_TTL_MS: String(3_600_000),
  }
  return { local, env, tokens }
}

/**
 * A load of exactly `n` requests at a time, one connection per token; throws unless all are 200.
 * @param {number} port @param {string[]} tokens @param {string} variant (for the error)
 */
export function fixedLoad(port, tokens, variant) {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: tokens.length })
  return {
    /** @param {number} n */
    async send(n) {
      let sent = 0
      let failed = 0
      await Promise.all(
        tokens.map(async (token) => {
          while (sent < n) {
            sent++
            const res = await pool.request({ path: '/me', method: 'GET', headers: { token } })
            await res.body.text()
            if (res.statusCode !== 200) failed++
          }
        }),
      )
      if (failed > 0) throw new Error(`${variant}: ${failed} answers were not 200`)
    },
    close: () => pool.close(),
  }
}
