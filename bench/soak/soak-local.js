// @ts-check
// Local Instant for the soak (`node bench/soak/soak-local.js`), on a SQLite file so it can be stopped
// and started again on the same port with the same users. Env: PORT (0 = any), DB_PATH.
// Prints `{ apiURI, port }` once it listens; SIGTERM stops it.
import { startLocalInstant } from '../../dist/local/index.js'

const local = await startLocalInstant({
  port: Number(process.env.PORT ?? 0),
  host: '127.0.0.1',
  dbPath: process.env.DB_PATH ?? ':memory:',
  logger: false,
  // The soak signs in 1,000 users and sends no codes; Local Instant's own limits stay default.
})
process.stdout.write(
  JSON.stringify({
    apiURI: local.apiURI,
    port: Number(new URL(local.apiURI).port),
    appId: local.appId,
    adminToken: local.adminToken,
  }) + '\n',
)
let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  await local.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
