// @ts-check
// One app under test per process: `node bench/throughput/app.js <variant>`, a variant of
// throughput/app-variants.js or diagnostics/app-variants.js. Prints `{"port": n}` on stdout once
// it listens; SIGTERM closes it (and flushes a `--cpu-prof` profile).
// Environment: API_URI, APP_ID, ADMIN_TOKEN, BENCH_USER_JSON, BENCH_CACHE_TTL_MS (see AppEnv).
import http from 'node:http'
import { DIAGNOSTIC_APPS } from '../diagnostics/app-variants.js'
import { APP_VARIANTS } from './app-variants.js'

const variant = process.argv[2] ?? ''
const build = APP_VARIANTS[variant] ?? DIAGNOSTIC_APPS[variant]
if (build === undefined) throw new Error(`unknown variant ${JSON.stringify(variant)}`)

/**
 * `GET /__bench/cpu` answers this process's CPU time so far (µs), so the bench can charge CPU per
 * request, a figure that other work on the machine disturbs far less than throughput. With
 * `?gc=1` (and `--expose-gc`) it runs a full GC first, so that diagnostics/allocations.js's window
 * of GC trace lines starts and ends on a GC.
 * @param {http.RequestListener} listener
 * @returns {http.RequestListener}
 */
function withCpuEndpoint(listener) {
  return (req, res) => {
    if (req.url?.startsWith('/__bench/cpu')) {
      if (req.url.endsWith('?gc=1')) globalThis.gc?.()
      const { user, system } = process.cpuUsage()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ cpuUs: user + system }))
      return
    }
    listener(req, res)
  }
}

const listener = await build({
  apiURI: process.env.API_URI ?? '',
  appId: process.env.APP_ID ?? '',
  adminToken: process.env.ADMIN_TOKEN ?? '',
  cannedUser: JSON.parse(process.env.BENCH_USER_JSON ?? '{"id":"bench"}'),
  cacheTtlMs: process.env.BENCH_CACHE_TTL_MS ? Number(process.env.BENCH_CACHE_TTL_MS) : undefined,
})
const server = http.createServer(withCpuEndpoint(listener))
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  process.stdout.write(JSON.stringify({ port: address.port }) + '\n')
})

let stopping = false
function stop() {
  if (stopping) return
  stopping = true
  server.closeAllConnections()
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
