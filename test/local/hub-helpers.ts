/**
 * A realtime session hub without HTTP or sockets: an in-memory store, the data engine, the auth
 * service and the hub, wired as startLocalInstant wires them, for tests that drive sessions by
 * calling the hub's handlers.
 */
import { randomUUID } from 'node:crypto'
import { createAuth } from '../../src/local/auth/index.js'
import { createDataEngine } from '../../src/local/data/index.js'
import { openStore } from '../../src/local/database.js'
import { createSessionHub } from '../../src/local/session/hub.js'
import { defaultSqliteDriver, type SqliteDatabase } from '../../src/local/sqlite.js'

type HubOptions = Parameters<typeof createSessionHub>[0]

export interface TestHub {
  appId: string
  db: SqliteDatabase
  engine: ReturnType<typeof createDataEngine>
  auth: ReturnType<typeof createAuth>
  hub: ReturnType<typeof createSessionHub>
}

export function createTestHub(
  options: {
    appId?: string
    adminToken?: string
    rules?: unknown
    limits?: HubOptions['limits']
  } = {},
): TestHub {
  const appId = options.appId ?? randomUUID()
  const db = openStore(':memory:', defaultSqliteDriver())
  const engine = createDataEngine(db, {
    appId,
    ...(options.rules === undefined ? {} : { rules: options.rules }),
  })
  const auth = createAuth(db, {
    appId,
    magicCodeExpiryMinutes: 10,
    sendsPerHour: 100,
    verifiesPerHour: 100,
    verifiesPerDay: 100,
    codeAttempts: 5,
    rateLimitMaxKeys: 1_000,
    signup: engine,
    deliver: () => {},
    deleteUser: (userId) => engine.onUserDeleted(userId),
  })
  const hub = createSessionHub({
    appId,
    adminToken: options.adminToken ?? randomUUID(),
    engine,
    auth,
    logger: { info: () => {}, error: () => {} },
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  })
  return { appId, db, engine, auth, hub }
}
