import { inspect } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { InstantAPIError, init } from '../../src/admin/index.js'

const APP_ID = '5f6a1c3e-9b2d-4e8f-a1b2-c3d4e5f6a7b8'
const ADMIN_TOKEN = '0c9e7d1a-2b3c-4d5e-8f90-a1b2c3d4e5f6'
const USER_TOKEN = '9d1e2f3a-4b5c-4d6e-9f70-8a9b0c1d2e3f'

const db = init({ appId: APP_ID, adminToken: ADMIN_TOKEN, apiURI: 'http://127.0.0.1:9' })
const scoped = db.asUser({ token: USER_TOKEN })

afterAll(() => db.close())

describe('no secret escapes', () => {
  it('util.inspect shows only appId and apiURI', () => {
    expect(inspect(db)).toBe(
      `InstantAdminDatabase { appId: '${APP_ID}', apiURI: 'http://127.0.0.1:9' }`,
    )
    expect(inspect(scoped)).toBe(
      `InstantAdminDatabase { appId: '${APP_ID}', apiURI: 'http://127.0.0.1:9', asUser: 'token' }`,
    )
  })

  it('JSON.stringify shows only appId and apiURI', () => {
    expect(JSON.stringify(db)).toBe(`{"appId":"${APP_ID}","apiURI":"http://127.0.0.1:9"}`)
    expect(JSON.stringify({ scoped })).toBe(
      `{"scoped":{"appId":"${APP_ID}","apiURI":"http://127.0.0.1:9","asUser":"token"}}`,
    )
  })

  it.each([
    ['db', db],
    ['db.asUser({ token })', scoped],
    ['db.auth', db.auth],
  ])('no token is reachable through %s by inspection or enumeration', (_label, value) => {
    const seen = [
      inspect(value, { showHidden: true, depth: 10, customInspect: true }),
      inspect(value, { showHidden: true, depth: 10, customInspect: false, getters: true }),
      JSON.stringify(value),
      inspect(Object.entries(value), { depth: 10, showHidden: true }),
      JSON.stringify(Object.getOwnPropertyNames(value)),
    ].join('\n')
    expect(seen).not.toContain(ADMIN_TOKEN)
    expect(seen).not.toContain(USER_TOKEN)
  })

  it('an InstantAPIError whose hint echoes credentials is redacted in JSON and inspect', () => {
    const error = new InstantAPIError({
      status: 400,
      body: {
        type: 'record-not-found',
        message: 'Record not found: app-admin-token',
        hint: {
          'record-type': 'app-admin-token',
          args: [{ 'app-id': APP_ID, token: ADMIN_TOKEN }],
        },
      },
    })
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'InstantAPIError',
      message: 'Record not found: app-admin-token',
      status: 400,
      hint: { 'record-type': 'app-admin-token', args: [{ 'app-id': APP_ID, token: '[redacted]' }] },
      body: {
        type: 'record-not-found',
        message: 'Record not found: app-admin-token',
        hint: {
          'record-type': 'app-admin-token',
          args: [{ 'app-id': APP_ID, token: '[redacted]' }],
        },
      },
    })
    expect(inspect(error)).not.toContain(ADMIN_TOKEN)
    // The fields themselves stay as the SDK has them.
    expect((error.hint as { args: { token: string }[] }).args[0]?.token).toBe(ADMIN_TOKEN)
  })
})
