import { describe, expect, it } from 'vitest'
import { Agent, MockAgent } from 'undici'
import { init } from '../../src/admin/index.js'
import {
  DEFAULT_API_URI,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
} from '../../src/admin/options.js'
import type { InitConfig } from '../../src/admin/index.js'

const APP_ID = '5f6a1c3e-9b2d-4e8f-a1b2-c3d4e5f6a7b8'
const ADMIN_TOKEN = '0c9e7d1a-2b3c-4d5e-8f90-a1b2c3d4e5f6'
const PREFIX = 'instant-express-auth/admin init(): '

function initError(config: unknown): TypeError {
  try {
    init(config as InitConfig)
  } catch (error) {
    return error as TypeError
  }
  throw new Error('init did not throw')
}

describe('init option validation', () => {
  it('has the documented defaults', () => {
    expect({
      DEFAULT_API_URI,
      DEFAULT_CONNECT_TIMEOUT_MS,
      DEFAULT_HEADERS_TIMEOUT_MS,
      DEFAULT_BODY_TIMEOUT_MS,
    }).toEqual({
      DEFAULT_API_URI: 'https://api.instantdb.com',
      DEFAULT_CONNECT_TIMEOUT_MS: 5_000,
      DEFAULT_HEADERS_TIMEOUT_MS: 10_000,
      DEFAULT_BODY_TIMEOUT_MS: 10_000,
    })
  })

  it.each<[string, unknown, string]>([
    [
      'no options',
      undefined,
      '`options` must be an object, e.g. init({ appId, adminToken }); got undefined.',
    ],
    [
      'a missing appId',
      { adminToken: ADMIN_TOKEN },
      '`appId` must be given: your app id (a UUID) from the Instant dashboard; got undefined.',
    ],
    [
      'a blank appId',
      { appId: '   ' },
      '`appId` must be given: your app id (a UUID) from the Instant dashboard; got a string.',
    ],
    [
      'a non-UUID appId',
      { appId: 'my-app' },
      '`appId` must be a UUID; copy it from the dashboard; got "my-app".',
    ],
    [
      'a non-string adminToken',
      { appId: APP_ID, adminToken: 42 },
      '`adminToken` must be a string: the admin token from the Instant dashboard; got 42.',
    ],
    [
      'an apiURI that is not a URL',
      { appId: APP_ID, apiURI: 'api.instantdb.com' },
      '`apiURI` must be an http(s) URL such as "https://api.instantdb.com"; got "api.instantdb.com".',
    ],
    [
      'an ftp apiURI',
      { appId: APP_ID, apiURI: 'ftp://example.com' },
      '`apiURI` must be an http(s) URL without query or fragment, such as "https://api.instantdb.com"; got "ftp://example.com".',
    ],
    [
      'an apiURI with credentials',
      { appId: APP_ID, apiURI: 'https://user:pw@example.com' },
      '`apiURI` must not carry credentials (pass `adminToken` instead); got a URL with credentials.',
    ],
    [
      'a negative headersTimeoutMs',
      { appId: APP_ID, headersTimeoutMs: -1 },
      '`headersTimeoutMs` must be a positive number of milliseconds up to 2147483647 (default 10000); got -1.',
    ],
    [
      'a NaN bodyTimeoutMs',
      { appId: APP_ID, bodyTimeoutMs: Number.NaN },
      '`bodyTimeoutMs` must be a positive number of milliseconds up to 2147483647 (default 10000); got NaN.',
    ],
    [
      'a string connectTimeoutMs',
      { appId: APP_ID, connectTimeoutMs: '500' },
      '`connectTimeoutMs` must be a positive number of milliseconds up to 2147483647 (default 5000); got a string.',
    ],
    [
      'a dispatcher that is not one',
      { appId: APP_ID, dispatcher: { request() {} } },
      '`dispatcher` must be an undici Dispatcher (Agent, Pool, MockAgent...), or be left out for the default pool; got an object.',
    ],
    [
      'a schema that is not an object',
      { appId: APP_ID, schema: 'goals' },
      '`schema` must be the object returned by i.schema({ entities, links }); got a string.',
    ],
  ])('rejects %s with a TypeError naming the option', (_label, config, message) => {
    const error = initError(config)
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe(PREFIX + message)
  })

  it('never echoes the admin token in a validation error', () => {
    const error = initError({ appId: 'nope', adminToken: ADMIN_TOKEN, apiURI: 'bad' })
    expect(error.message).not.toContain(ADMIN_TOKEN)
  })

  it('accepts any undici Dispatcher and does not close it', async () => {
    const agent = new Agent()
    const db = init({ appId: APP_ID, dispatcher: agent })
    await db.close()
    expect(agent.closed).toBe(false)
    await agent.close()
  })

  it('never mutates the caller config (frozen object accepted)', async () => {
    const config = Object.freeze({
      appId: `  ${APP_ID}  `,
      adminToken: ` ${ADMIN_TOKEN} `,
      apiURI: '',
    })
    const db = init(config)
    expect(config).toEqual({ appId: `  ${APP_ID}  `, adminToken: ` ${ADMIN_TOKEN} `, apiURI: '' })
    expect(JSON.parse(JSON.stringify(db))).toEqual({ appId: APP_ID, apiURI: DEFAULT_API_URI })
    await db.close()
  })
})

describe('apiURI and trimming on the wire', () => {
  async function firstRequest(apiURI: string, appId = APP_ID, adminToken = ADMIN_TOKEN) {
    const agent = new MockAgent()
    agent.disableNetConnect()
    const seen: { path: string; headers: Record<string, string> }[] = []
    agent
      .get(new URL(apiURI || DEFAULT_API_URI).origin)
      .intercept({ path: () => true, method: 'POST' })
      .reply(200, (opts) => {
        seen.push({ path: opts.path, headers: opts.headers as Record<string, string> })
        return { goals: [] }
      })
    const db = init({ appId, adminToken, apiURI, dispatcher: agent })
    await db.query({ goals: {} })
    await agent.close()
    return seen[0]!
  }

  it.each([
    ['', `/admin/query?app_id=${APP_ID}`],
    ['https://api.instantdb.com', `/admin/query?app_id=${APP_ID}`],
    ['http://localhost:8888/', `/admin/query?app_id=${APP_ID}`],
    ['https://example.com/instant//', `/instant/admin/query?app_id=${APP_ID}`],
  ])('apiURI %j sends to %s', async (apiURI, path) => {
    expect((await firstRequest(apiURI)).path).toBe(path)
  })

  it('trims appId and adminToken like the SDK', async () => {
    const request = await firstRequest('', ` ${APP_ID}\n`, `\t${ADMIN_TOKEN} `)
    expect(request.path).toBe(`/admin/query?app_id=${APP_ID}`)
    expect(request.headers['app-id']).toBe(APP_ID)
    expect(request.headers.authorization).toBe(`Bearer ${ADMIN_TOKEN}`)
  })
})
