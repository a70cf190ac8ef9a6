/** For the examples' tests: an in-memory Local Instant on loopback and a client for it. */
import { init } from 'instant-express-auth/admin'
import { startLocalInstant } from 'instant-express-auth/local'

export async function startTestInstant(options: { rules?: unknown } = {}) {
  const local = await startLocalInstant({
    port: 0,
    host: '127.0.0.1',
    dbPath: ':memory:',
    logger: false,
    ...options,
  })
  const config = { appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI }
  const db = init(config)
  return {
    local,
    config,
    db,
    async close() {
      await db.close()
      await local.close()
    },
  }
}
