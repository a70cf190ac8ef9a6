// What one oversized answer from Instant costs the app: a loopback server answers
// verify_refresh_token with a valid JSON document of BENCH_ANSWER_MB MiB (default 256), streamed
// in 1 MiB chunks; the built admin client verifies one token against it. Prints one JSON line:
// the outcome, the time to it and the RSS growth at its peak. Before issue 11 the client buffered
// the whole answer; now auth answers stop at MAX_AUTH_RESPONSE_BYTES (1 MiB).
import { createServer } from 'node:http'
import { performance } from 'node:perf_hooks'
import * as admin from '../../dist/admin/index.js'

const ANSWER_MB = Number(process.env.BENCH_ANSWER_MB ?? 256)
const chunk = 'a'.repeat(1024 * 1024)

const server = createServer((_req, res) => {
  let sent = 0
  res.on('close', () => (sent = ANSWER_MB))
  res.writeHead(200, { 'content-type': 'application/json' })
  res.write('{"user":{"id":"00000000-0000-4000-8000-000000000001","pad":"')
  const pump = () => {
    while (sent < ANSWER_MB) {
      sent++
      if (!res.write(chunk)) return void res.once('drain', pump)
    }
    res.end('"}}')
  }
  pump()
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())

const db = admin.init({
  appId: '5c1e7c52-3b0e-4a86-9d59-8f1d3b3f1a11',
  apiURI: `http://127.0.0.1:${port}`,
  bodyTimeoutMs: 60_000,
})
const base = process.memoryUsage().rss
let peak = base
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5)
const started = performance.now()
const outcome = await db.auth.verifyToken('00000000-0000-4000-8000-000000000001').then(
  () => 'resolved',
  (error) => error.code ?? error.name,
)
const elapsedMs = performance.now() - started
clearInterval(sampler)
peak = Math.max(peak, process.memoryUsage().rss)
await db.close()
server.closeAllConnections()
server.close()
process.stdout.write(
  JSON.stringify({
    answerMB: ANSWER_MB,
    outcome,
    elapsedMs: Math.round(elapsedMs),
    rssPeakGrowthMB: Math.round((peak - base) / 1048576),
  }) + '\n',
)
