/**
 * Query budgets of Local Instant (issue 11 item 13), through its HTTP server with the official
 * admin SDK as a guest would query. No timing assertions: each test asserts the exact answers.
 */
import { i, init } from '@instantdb/admin'
import { describe, expect, it } from 'vitest'
import {
  startLocalInstant,
  type LocalInstant,
  type LocalInstantOptions,
} from 'instant-express-auth/local'
// The defaults are stated in TSDoc, not exported: read from the module that holds them.
import {
  DEFAULT_MAX_QUERY_BYTES,
  DEFAULT_MAX_QUERY_FORMS,
  DEFAULT_MAX_RESULT_BYTES,
  DEFAULT_MAX_RESULT_ROWS,
  DEFAULT_QUERY_TIMEOUT_MS,
} from '../../src/local/data/query-budget.js'
import { localInstants, post, rejectionOf } from './helpers.js'

const schema = i.schema({
  entities: {
    as: i.entity({ name: i.string() }),
    bs: i.entity({ name: i.string() }),
  },
  links: {
    ab: {
      forward: { on: 'as', has: 'many', label: 'bs' },
      reverse: { on: 'bs', has: 'many', label: 'as' },
    },
  },
  rooms: {},
})

const { start } = localInstants()

async function seeded(options: LocalInstantOptions, n: number, linkAll = false) {
  const { local } = await start({ schema, ...options })
  const db = init({
    appId: local.appId,
    adminToken: local.adminToken,
    apiURI: local.apiURI,
    schema,
  })
  const aIds = Array.from(
    { length: n },
    (_, k) => `00000000-0000-4000-8000-a${String(k).padStart(11, '0')}`,
  )
  const bIds = Array.from(
    { length: n },
    (_, k) => `00000000-0000-4000-8000-b${String(k).padStart(11, '0')}`,
  )
  await db.transact([
    ...aIds.map((id, k) => db.tx.as[id]!.update({ name: `a${k}`.padEnd(100, '.') })),
    ...bIds.map((id, k) => db.tx.bs[id]!.update({ name: `b${k}` })),
  ])
  if (linkAll) {
    for (const id of aIds) await db.transact(db.tx.as[id]!.link({ bs: bIds }))
  }
  return { local, guest: db.asUser({ guest: true }) }
}

/** The `errors[0]` of a validation-failed answer. */
const firstError = (err: any) => err.body.hint.errors[0]

describe('query budgets', () => {
  it('defaults', () => {
    expect(DEFAULT_MAX_QUERY_BYTES).toBe(256 * 1024)
    expect(DEFAULT_MAX_QUERY_FORMS).toBe(1_000)
    expect(DEFAULT_MAX_RESULT_ROWS).toBe(100_000)
    expect(DEFAULT_MAX_RESULT_BYTES).toBe(32 * 1024 * 1024)
    expect(DEFAULT_QUERY_TIMEOUT_MS).toBe(3_000)
  })

  it('a query larger than maxQueryBytes is a 400 before it runs', async () => {
    const { guest } = await seeded({ maxQueryBytes: 1_000 }, 1)
    const names = Array.from({ length: 100 }, (_, k) => `name-${k}`)
    const err = await rejectionOf(guest.query({ as: { $: { where: { name: { $in: names } } } } }))
    expect(err.status).toBe(400)
    expect(err.body.type).toBe('validation-failed')
    expect(err.body.message).toBe(
      'Validation failed for query: The query is larger than 1000 bytes.',
    )
    expect(firstError(err).limit).toEqual({ 'max-query-bytes': 1_000 })
    expect((await guest.query({ as: {} })).as).toHaveLength(1)
  })

  it('more than 1,000 forms (default) is a 400', async () => {
    const { local } = await seeded({}, 1)
    const wide: Record<string, object> = {}
    for (let k = 0; k <= DEFAULT_MAX_QUERY_FORMS; k++) wide[`ns${k}`] = {}
    // Raw, as a browser could send it: the SDK would refuse namespaces missing from its schema.
    const guestQuery = (query: unknown) =>
      post(local, '/admin/query', { query }, { 'as-guest': 'true', 'app-id': local.appId })
    const err = await guestQuery(wide)
    expect(err.status).toBe(400)
    expect(err.body.message).toBe(
      'Validation failed for query: The query has more than 1000 namespaces.',
    )
    delete wide[`ns${DEFAULT_MAX_QUERY_FORMS}`]
    const ok = await guestQuery(wide)
    expect(ok.status).toBe(200)
    expect(Object.keys(ok.body)).toHaveLength(DEFAULT_MAX_QUERY_FORMS)
  })

  it('an answer over maxResultRows is a 400; `limit` brings it within', async () => {
    const { guest } = await seeded({ maxResultRows: 20 }, 30)
    const err = await rejectionOf(guest.query({ as: {} }))
    expect(err.status).toBe(400)
    expect(err.body.message).toBe(
      'Validation failed for query: The result has more than 20 entities. Narrow the query with `where` or `limit`.',
    )
    expect((await guest.query({ as: { $: { limit: 20 } } })).as).toHaveLength(20)
  })

  it('an answer over maxResultBytes is a 400', async () => {
    const { guest } = await seeded({ maxResultBytes: 2_000 }, 30)
    const err = await rejectionOf(guest.query({ as: {} }))
    expect(err.status).toBe(400)
    expect(firstError(err).limit).toEqual({ 'max-result-bytes': 2_000 })
    // The names are 100 characters: 10 entities are ~1.5 KB.
    expect((await guest.query({ as: { $: { limit: 10 } } })).as).toHaveLength(10)
  })

  it('a wide nested query stops at the default row cap instead of eating memory', async () => {
    // 40 × 40 fully linked: as → bs → as → bs is 2.6 million entities (≈ 300 MB of JSON).
    // A generous time budget, so that the row cap (not the clock, under load) is what stops it.
    const { guest } = await seeded({ queryTimeoutMs: 120_000 }, 40, true)
    const err = await rejectionOf(guest.query({ as: { bs: { as: { bs: {} } } } }))
    expect(err.status).toBe(400)
    expect(firstError(err).limit).toEqual({ 'max-result-rows': DEFAULT_MAX_RESULT_ROWS })
  })

  it('a query over its time budget stops with 400 timeout, and a request behind it is answered', async () => {
    const { local, guest } = await seeded(
      { queryTimeoutMs: 50, maxResultRows: Infinity, maxResultBytes: Infinity },
      40,
      true,
    )
    const token = await adminToken(local)
    // Sent together: the verification waits behind the heavy query at most its time budget.
    const [heavy, verify] = await Promise.all([
      rejectionOf(guest.query({ as: { bs: { as: { bs: { as: {} } } } } })),
      post(local, '/runtime/auth/verify_refresh_token', {
        'app-id': local.appId,
        'refresh-token': token,
      }),
    ])
    expect(heavy.status).toBe(400)
    expect(heavy.body).toEqual({
      type: 'timeout',
      message: 'The query took too long to complete.',
      hint: { 'timeout-ms': 50 },
    })
    expect(verify.status).toBe(200)
    expect(verify.body.user.email).toBe('budget@example.com')
  })

  it('validates the budget options', async () => {
    for (const [name, expected] of [
      [
        'maxQueryBytes',
        'a positive whole number of bytes, or Infinity for no limit (default 262144)',
      ],
      ['maxQueryForms', 'a positive integer, or Infinity for no limit (default 1000)'],
      ['maxResultRows', 'a positive integer, or Infinity for no limit (default 100000)'],
      [
        'maxResultBytes',
        'a positive whole number of bytes, or Infinity for no limit (default 33554432)',
      ],
      ['queryTimeoutMs', 'a positive number of milliseconds up to 2147483647 (default 3000)'],
    ] as const) {
      await expect(startLocalInstant({ logger: false, [name]: -1 })).rejects.toThrow(
        new TypeError(`startLocalInstant(): \`${name}\` must be ${expected}; got -1.`),
      )
    }
  })
})

async function adminToken(local: LocalInstant): Promise<string> {
  const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
  return db.auth.createToken({ email: 'budget@example.com' })
}
