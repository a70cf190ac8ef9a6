// @ts-check
// `npm run bench:instructions`: instructions per request under valgrind's callgrind, a figure that
// other work on the machine does not disturb (it counts instructions, not time). Use it when the
// machine is too busy for `npm run bench` to judge a few percent, and to see where the
// instructions go (`callgrind_annotate <file>` on the files it leaves in bench/results/callgrind).
//
// For each variant of bench/app.js (default `bare,bare-setprop,kit-cache`), in parallel: Local
// Instant in its own process (not counted), the app under callgrind with instrumentation off, a
// warm-up of INSTR_WARMUP requests (default 8,000; JIT tiers settle), then INSTR_REQUESTS (3,000)
// requests counted, over 10 keep-alive connections with one user's token each. V8 runs with
// `--predictable` (no concurrent GC or compiler threads, no time-based heuristics). Runs of the
// same code still spread by about ±2.5 % (when GCs fall relative to the counted window): compare
// medians of several runs before reading a difference smaller than that.
// The kit variants get a one-hour cache TTL (BENCH_CACHE_TTL_MS), since a run takes minutes.
//
// Needs `valgrind` (Debian package). Each variant takes ~5–10 minutes.
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Pool, request } from 'undici'

const run = promisify(execFile)
const here = dirname(fileURLToPath(import.meta.url))
const outDir = join(here, 'results', 'callgrind')
const VARIANTS = (process.env.INSTR_VARIANTS ?? 'bare,bare-setprop,kit-cache').split(',')
const WARMUP = Number(process.env.INSTR_WARMUP ?? 8_000)
const REQUESTS = Number(process.env.INSTR_REQUESTS ?? 3_000)
const CONNECTIONS = 10

/**
 * Starts a process and resolves with the first stdout line that is a JSON object.
 * @param {string} command @param {string[]} args @param {Record<string, string>} env
 * @returns {Promise<{ proc: import('node:child_process').ChildProcess, info: any }>}
 */
function start(command, args, env) {
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
    const onData = (/** @type {string} */ chunk) => {
      buf += chunk
      const line = buf.split('\n').find((l) => l.startsWith('{') && l.endsWith('}'))
      if (line === undefined) return
      proc.stdout?.off('data', onData)
      resolve({ proc, info: JSON.parse(line) })
    }
    proc.stdout?.setEncoding('utf8').on('data', onData)
    proc.on('exit', (code) => reject(new Error(`${command} exited (${code}): ${stderr}`)))
  })
}

/** @param {string} api @param {string} path @param {object} init */
async function json(api, path, init) {
  const res = await request(api.replace(/\/$/, '') + path, /** @type {any} */ (init))
  return /** @type {any} */ (await res.body.json())
}

/** @param {string} variant */
async function measure(variant) {
  const local = await start(process.execPath, [join(here, 'local.js')], {})
  const { apiURI, appId, adminToken } = local.info
  try {
    const tokens = []
    for (let i = 0; i < CONNECTIONS; i++) {
      const created = await json(apiURI, `/admin/refresh_tokens?app_id=${appId}`, {
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
    const verified = await json(apiURI, `/runtime/auth/verify_refresh_token?app_id=${appId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'app-id': appId, 'refresh-token': tokens[0] }),
    })
    const outFile = join(outDir, `${variant}.out`)
    rmSync(outFile, { force: true })
    rmSync(`${outFile}.1`, { force: true })
    const app = await start(
      'valgrind',
      [
        '--tool=callgrind',
        '--instr-atstart=no',
        '--smc-check=all-non-file',
        `--callgrind-out-file=${outFile}`,
        process.execPath,
        '--predictable',
        join(here, 'app.js'),
        variant,
      ],
      {
        API_URI: apiURI,
        APP_ID: appId,
        ADMIN_TOKEN: adminToken,
        BENCH_USER_JSON: JSON.stringify(verified.user),
        BENCH_CACHE_TTL_MS: String(3_600_000),
      },
    )
    const pid = String(app.proc.pid)
    const pool = new Pool(`http://127.0.0.1:${app.info.port}`, { connections: CONNECTIONS })
    /** @param {number} n */
    const load = async (n) => {
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
    }
    try {
      await load(WARMUP)
      await run('callgrind_control', ['-i', 'on', pid])
      await load(REQUESTS)
      await run('callgrind_control', ['-i', 'off', pid])
      await run('callgrind_control', ['-d', pid])
    } finally {
      app.proc.kill('SIGTERM')
      await pool.close()
    }
    const dump = readFileSync(`${outFile}.1`, 'utf8')
    const total = Number(/^totals: (\d+)/m.exec(dump)?.[1] ?? NaN)
    return { variant, perRequest: total / REQUESTS, file: `${outFile}.1` }
  } finally {
    local.proc.kill('SIGTERM')
  }
}

mkdirSync(outDir, { recursive: true })
const started = Date.now()
const results = await Promise.all(VARIANTS.map((variant) => measure(variant)))
const base = results.find((r) => r.variant === 'bare')
process.stdout.write(
  `instructions per request under callgrind (node --predictable), ${new Date().toISOString()}, ` +
    `${WARMUP} warm-up + ${REQUESTS} counted requests, ${Math.round((Date.now() - started) / 1000)} s\n\n`,
)
for (const r of results) {
  const ratio =
    base === undefined ? '' : `  bare/this ${(base.perRequest / r.perRequest).toFixed(3)}`
  process.stdout.write(
    `${r.variant.padEnd(16)} ${Math.round(r.perRequest).toLocaleString('en-US').padStart(10)}${ratio}  ${r.file}\n`,
  )
}
