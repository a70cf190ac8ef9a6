/**
 * `checkInstant(db)`: resolves when app id, admin token and API URI work together; otherwise
 * rejects with `instant_misconfigured` naming the wrong setting, never a secret. Both clients.
 */
import { createServer, type Server } from 'node:http'
import { init as sdkInit } from '@instantdb/admin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { init } from '../src/admin/index.js'
import type { InstantAuthDb } from '../src/instant/instant-db.js'
import { checkInstant, isKitError } from '../src/index.js'
import {
  DB_KINDS,
  REFUSED_URI,
  close,
  json,
  listen,
  useLocalInstant,
  type DbKind,
} from './helpers.js'

const OTHER_APP = '12345678-1234-4234-8234-123456789012'
const OTHER_ADMIN = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'

const local = useLocalInstant()

function client(
  kind: DbKind,
  config: { appId: string; adminToken?: string | undefined; apiURI: string },
): InstantAuthDb {
  return (kind === 'ours' ? init(config) : sdkInit(config)) as unknown as InstantAuthDb
}

async function failure(db: InstantAuthDb, timeoutMs?: number) {
  const error: unknown = await checkInstant(db, timeoutMs === undefined ? {} : { timeoutMs }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isKitError(error)).toBe(true)
  const kit = error as { code: string; status: number; message: string }
  expect(kit.code).toBe('instant_misconfigured')
  expect(kit.status).toBe(500)
  expect(kit.message).not.toContain(local().adminToken)
  expect(kit.message).not.toContain(OTHER_ADMIN)
  return kit.message
}

let refusedURI: string
let notInstant: Server
let notInstantURI: string
let hangs: Server
let hangsURI: string

beforeAll(async () => {
  refusedURI = REFUSED_URI
  notInstant = createServer((req, res) => {
    if (req.url?.startsWith('/ok')) json(res, 200, { hello: 'world' })
    else json(res, 404, { message: 'Not Found' })
  })
  notInstantURI = await listen(notInstant)
  hangs = createServer(() => {})
  hangsURI = await listen(hangs)
})

afterAll(async () => {
  await close(notInstant)
  await close(hangs)
})

describe.each(DB_KINDS)('checkInstant with the %s client', (kind) => {
  it('resolves when app id, admin token and API URI work together', async () => {
    const { appId, adminToken, apiURI } = local()
    await expect(checkInstant(client(kind, { appId, adminToken, apiURI }))).resolves.toBeUndefined()
  })

  it('wrong admin token → names INSTANT_APP_ADMIN_TOKEN and INSTANT_APP_ID', async () => {
    const { appId, apiURI } = local()
    const message = await failure(client(kind, { appId, adminToken: OTHER_ADMIN, apiURI }))
    expect(message).toBe(
      `instant-express-auth: checkInstant: Instant at ${apiURI} does not accept the admin token for this app id: INSTANT_APP_ADMIN_TOKEN is wrong or revoked, or INSTANT_APP_ID names another app. Copy INSTANT_APP_ID and INSTANT_APP_ADMIN_TOKEN from the same app (the dashboard, or the line \`npx instant-local\` prints).`,
    )
  })

  it('wrong (well-formed) app id → the same message, and no secret in it', async () => {
    const { adminToken, apiURI } = local()
    const message = await failure(client(kind, { appId: OTHER_APP, adminToken, apiURI }))
    expect(message).toContain('INSTANT_APP_ID names another app')
    expect(message).not.toContain(OTHER_APP)
  })

  it('Instant not running → names INSTANT_API_URI and the error code', async () => {
    const { appId, adminToken } = local()
    const message = await failure(client(kind, { appId, adminToken, apiURI: refusedURI }))
    expect(message).toMatch(
      new RegExp(
        `^instant-express-auth: checkInstant: cannot reach Instant at ${refusedURI.replace(/\./g, '\\.')} \\((INSTANT_UNREACHABLE: )?ECONNREFUSED\\): check INSTANT_API_URI and that Instant is running there\\.$`,
      ),
    )
  })

  it('https:// against an http port → names INSTANT_API_URI and the scheme', async () => {
    const { appId, adminToken } = local()
    const apiURI = local().apiURI.replace('http://', 'https://')
    const message = await failure(client(kind, { appId, adminToken, apiURI }))
    expect(message).toContain(`cannot reach Instant at ${apiURI} (`)
    expect(message).toContain('check INSTANT_API_URI')
  })

  it('a server that is not Instant → INSTANT_API_URI does not point at Instant', async () => {
    const { appId, adminToken } = local()
    expect(await failure(client(kind, { appId, adminToken, apiURI: notInstantURI }))).toBe(
      `instant-express-auth: checkInstant: ${notInstantURI} answered 404: INSTANT_API_URI does not point at an Instant server.`,
    )
  })

  it('a server answering 200 with something else → not like Instant', async () => {
    const { appId, adminToken } = local()
    const apiURI = `${notInstantURI}/ok`
    expect(await failure(client(kind, { appId, adminToken, apiURI }))).toBe(
      `instant-express-auth: checkInstant: ${notInstantURI} answered, but not like Instant: check INSTANT_API_URI (it must point at your Instant server's API, e.g. https://api.instantdb.com).`,
    )
  })

  it('no admin token → says to pass adminToken', async () => {
    const { appId, apiURI } = local()
    expect(await failure(client(kind, { appId, apiURI }))).toBe(
      'instant-express-auth: checkInstant: the client has no admin token: pass adminToken (INSTANT_APP_ADMIN_TOKEN) to init().',
    )
  })

  it('a server that never answers → rejects within timeoutMs', async () => {
    const { appId, adminToken } = local()
    const started = performance.now()
    const message = await failure(client(kind, { appId, adminToken, apiURI: hangsURI }), 200)
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(message).toContain(`Instant at ${hangsURI} did not answer within 200 ms`)
  })
})

describe('checkInstant options', () => {
  it('rejects a non-client and a bad timeout with a TypeError naming the option', async () => {
    await expect(checkInstant({} as never)).rejects.toThrow(TypeError)
    const { appId, adminToken, apiURI } = local()
    await expect(
      checkInstant(client('ours', { appId, adminToken, apiURI }), { timeoutMs: -1 }),
    ).rejects.toThrow(
      new TypeError(
        'checkInstant(): `timeoutMs` must be a positive number of milliseconds up to 2147483647 (default 10000); got -1.',
      ),
    )
  })
})
