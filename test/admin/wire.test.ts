/** Exact wire format through the `dispatcher` seam, and faults a real server cannot easily make. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MockAgent } from 'undici'
import { init, isInstantTransportError } from '../../src/admin/index.js'
import type { InstantAdminDatabase } from '../../src/admin/index.js'

const APP_ID = '5f6a1c3e-9b2d-4e8f-a1b2-c3d4e5f6a7b8'
const ADMIN_TOKEN = '0c9e7d1a-2b3c-4d5e-8f90-a1b2c3d4e5f6'
const ORIGIN = 'https://api.instantdb.com'

let agent: MockAgent
let db: InstantAdminDatabase

beforeEach(() => {
  agent = new MockAgent()
  agent.disableNetConnect()
  db = init({ appId: APP_ID, adminToken: ADMIN_TOKEN, dispatcher: agent })
})

afterEach(async () => {
  await db.close()
  await agent.close()
})

describe('wire format through a MockAgent', () => {
  it('sends exactly these headers and body for a query', async () => {
    agent
      .get(ORIGIN)
      .intercept({
        path: `/admin/query?app_id=${APP_ID}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'app-id': APP_ID,
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'Instant-Admin-Version': 'v1.0.67',
          'Instant-Core-Version': 'v1.0.67',
        },
        body: '{"query":{"goals":{}},"inference?":false}',
      })
      .reply(200, { goals: [] })
    expect(await db.query({ goals: {} })).toEqual({ goals: [] })
  })

  it('answers with the body for transact', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `/admin/transact?app_id=${APP_ID}`, method: 'POST' })
      .reply(200, { 'tx-id': 12 })
    expect(await db.transact([db.tx.goals!.lookup('slug', 'fit').delete()])).toEqual({
      'tx-id': 12,
    })
  })
})

describe('fault injection', () => {
  it('a connection error mid-flight is INSTANT_UNREACHABLE and is not retried', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `/admin/transact?app_id=${APP_ID}`, method: 'POST' })
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .times(2)
    const error = await db.transact([db.tx.goals![APP_ID]!.delete()]).catch((e: unknown) => e)
    expect(isInstantTransportError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'INSTANT_UNREACHABLE', cause: { code: 'ECONNRESET' } })
    // times(2) with one use left: the failed call was sent once, not retried.
    expect(agent.pendingInterceptors()).toHaveLength(1)
  })

  it('an empty 200 body is INSTANT_BAD_RESPONSE', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: () => true, method: 'POST' })
      .reply(200, '')
    await expect(db.auth.verifyToken(APP_ID)).rejects.toMatchObject({
      code: 'INSTANT_BAD_RESPONSE',
    })
  })

  it('a 200 without user.refresh_token from createToken is INSTANT_BAD_RESPONSE', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: () => true, method: 'POST' })
      .reply(200, { ok: true })
    await expect(db.auth.createToken({ email: 'a@b.co' })).rejects.toMatchObject({
      code: 'INSTANT_BAD_RESPONSE',
      message: 'Instant answered 200 without user.refresh_token (POST /admin/refresh_tokens)',
    })
  })
})

describe('argument checks', () => {
  it('asUser without token, email or guest is a TypeError', () => {
    expect(() => db.asUser({} as never)).toThrow(
      new TypeError(
        'asUser() takes { token: string }, { email: string } or { guest: true }, e.g. db.asUser({ token }).',
      ),
    )
  })

  it('transact with something that is not a chunk rejects with a TypeError, before any request', async () => {
    await expect(db.transact([{ title: 'x' }] as never)).rejects.toThrow(
      new TypeError(
        'transact() takes chunks built with db.tx, e.g. db.transact([db.tx.goals[id()].update({ title })]).',
      ),
    )
  })
})
