// @ts-check
// Local Instant in its own process, so its CPU is not charged to the app under test.
// Prints one JSON line `{ apiURI, appId, adminToken, cpuURL }` on stdout once it listens;
// SIGTERM stops it. BENCH_SQLITE picks the SQLite driver (default: Local Instant's own choice).
import http from 'node:http'
import { startLocalInstant } from '../../dist/local/index.js'

// Logs go to stderr: stdout carries only the JSON line the bench reads.
const logger = {
  info: (/** @type {string} */ message) => process.stderr.write(message + '\n'),
  error: (/** @type {string} */ message) => process.stderr.write(message + '\n'),
}
const local = await startLocalInstant({
  port: 0,
  host: '127.0.0.1',
  dbPath: ':memory:',
  logger,
  ...(process.env.BENCH_SQLITE
    ? { sqlite: /** @type {'node:sqlite' | 'better-sqlite3'} */ (process.env.BENCH_SQLITE) }
    : {}),
})

// This process's CPU time (µs), on a port of its own (Local Instant's server is not ours to extend).
const cpuServer = http.createServer((_req, res) => {
  const { user, system } = process.cpuUsage()
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ cpuUs: user + system }))
})
await new Promise((resolve) => cpuServer.listen(0, '127.0.0.1', () => resolve(undefined)))
const cpuAddress = /** @type {import('node:net').AddressInfo} */ (cpuServer.address())

process.stdout.write(
  JSON.stringify({
    apiURI: local.apiURI,
    appId: local.appId,
    adminToken: local.adminToken,
    cpuURL: `http://127.0.0.1:${cpuAddress.port}/`,
  }) + '\n',
)

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  cpuServer.close()
  await local.close()
  // An explicit exit also flushes a `--cpu-prof` profile.
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
