// @ts-check
// Local Instant for the `sessions` section (R1–R4), in a process of its own, with a control port
// the bench reads: this process's RSS and heap, the longest event-loop block since the last reset,
// and `local.stats()`. Run with --expose-gc so `/gc` can settle the heap before a reading.
// Env: LOCAL_OPTIONS (JSON, merged into startLocalInstant's options).
// Prints one JSON line `{ apiURI, appId, adminToken, controlURL }`; SIGTERM stops it.
import http from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { startLocalInstant } from '../../dist/local/index.js'

const logger = {
  info: (/** @type {string} */ message) => process.stderr.write(message + '\n'),
  error: (/** @type {string} */ message) => process.stderr.write(message + '\n'),
}
const local = await startLocalInstant({
  port: 0,
  host: '127.0.0.1',
  dbPath: ':memory:',
  logger,
  ...JSON.parse(process.env.LOCAL_OPTIONS ?? '{}'),
})

// A 1 ms resolution: the histogram's max is the longest the loop could not run a timer.
const loop = monitorEventLoopDelay({ resolution: 1 })
loop.enable()

const gc = /** @type {{ gc?: () => void }} */ (globalThis).gc

const control = http.createServer((req, res) => {
  if (req.url === '/reset') loop.reset()
  if (req.url === '/gc') {
    gc?.()
    gc?.()
  }
  const mem = process.memoryUsage()
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(
    JSON.stringify({
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      loopMaxMs: loop.max / 1e6,
      stats: local.stats(),
    }),
  )
})
await new Promise((resolve) => control.listen(0, '127.0.0.1', () => resolve(undefined)))
const address = /** @type {import('node:net').AddressInfo} */ (control.address())

process.stdout.write(
  JSON.stringify({
    apiURI: local.apiURI,
    appId: local.appId,
    adminToken: local.adminToken,
    controlURL: `http://127.0.0.1:${address.port}`,
  }) + '\n',
)

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  control.close()
  await local.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
