// @ts-check
// The soak's load generator (`node bench/soak/soak-load.js '<json>'`): autocannon, pipelining 1,
// `connections` connections for `duration` s; each request picks its token at random:
//   85 % one of the valid tokens (cache hits, and misses when an entry expires or is new),
//   10 % a fresh random UUID (a miss that Instant answers "unknown": 401),
//    5 % one of 50 repeated bogus tokens (negative-cache hits: 401).
// Prints one JSON result line.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

/** @type {{ url: string, tokensFile: string, connections: number, duration: number }} */
const config = JSON.parse(process.argv[2] ?? '{}')
/** @type {string[]} */
const tokens = JSON.parse(readFileSync(config.tokensFile, 'utf8'))
const bogus = Array.from({ length: 50 }, () => randomUUID())

const result = await autocannon({
  url: config.url,
  connections: config.connections,
  pipelining: 1,
  duration: config.duration,
  requests: [
    {
      setupRequest(req) {
        const r = Math.random()
        const token =
          r < 0.85
            ? tokens[Math.floor(Math.random() * tokens.length)]
            : r < 0.95
              ? randomUUID()
              : bogus[Math.floor(Math.random() * bogus.length)]
        return { ...req, headers: { ...req.headers, token: /** @type {string} */ (token) } }
      },
    },
  ],
})
/** @type {Record<string, number>} */
const statusCodes = {}
for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
  statusCodes[code] = Number(/** @type {any} */ (stat).count)
}
process.stdout.write(
  JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    latencyP99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  }) + '\n',
)
