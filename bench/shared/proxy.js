// @ts-check
// A counting reverse proxy in front of Local Instant, for the single-flight check: it counts the
// upstream verifications the app actually makes, and holds each one for PROXY_VERIFY_DELAY_MS so
// that all concurrent requests arrive while the first verification is still in flight.
//
//   UPSTREAM=http://127.0.0.1:1234 node bench/shared/proxy.js -> prints {"port": n}
//   GET  /__bench/count  -> {"verify": n, "total": n}
//   POST /__bench/reset  -> zeroes the counters
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'

const VERIFY_PATH = '/runtime/auth/verify_refresh_token'
const upstream = process.env.UPSTREAM
if (!upstream) throw new Error('UPSTREAM is required')
const delayMs = Number(process.env.PROXY_VERIFY_DELAY_MS ?? 200)
const pool = new Pool(upstream)
const counts = { verify: 0, total: 0 }

const server = http.createServer(async (req, res) => {
  const url = req.url ?? '/'
  if (url === '/__bench/count') {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(counts))
    return
  }
  if (url === '/__bench/reset') {
    counts.verify = 0
    counts.total = 0
    res.end('{}')
    return
  }
  counts.total++
  const isVerify = url.startsWith(VERIFY_PATH)
  if (isVerify) counts.verify++
  try {
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    if (isVerify && delayMs > 0) await sleep(delayMs)
    /** @type {Record<string, string>} */
    const headers = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'host' || name === 'connection' || typeof value !== 'string') continue
      headers[name] = value
    }
    const up = await pool.request({
      path: url,
      method: /** @type {any} */ (req.method ?? 'GET'),
      headers,
      body: chunks.length > 0 ? Buffer.concat(chunks) : null,
    })
    const body = Buffer.from(await up.body.arrayBuffer())
    const contentType = up.headers['content-type']
    if (typeof contentType === 'string') res.setHeader('content-type', contentType)
    res.statusCode = up.statusCode
    res.end(body)
  } catch (err) {
    res.statusCode = 502
    res.end(JSON.stringify({ message: String(err) }))
  }
})

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  process.stdout.write(JSON.stringify({ port: address.port }) + '\n')
})

process.on('SIGTERM', () => {
  server.close()
  void pool.close().then(() => process.exit(0))
})
