import { describe, expect, it } from 'vitest'
import { classifyDataError } from '../../src/instant/classify-data-error.js'
import { KitError } from '../../src/errors/kit-error.js'

/** The shape both clients throw for non-200 answers. */
function apiError(status: number, body: Record<string, unknown>): Error {
  return Object.assign(new Error('x'), { name: 'InstantAPIError', status, body })
}

const codeOf = (error: unknown) => classifyDataError(error)?.error.code

describe('classifyDataError', () => {
  it('maps Instant answers to the handler codes', () => {
    expect(codeOf(apiError(400, { type: 'permission-denied' }))).toBe('permission_denied')
    expect(codeOf(apiError(400, { type: 'permission-evaluation-failed' }))).toBe(
      'permission_denied',
    )
    for (const type of ['validation-failed', 'param-malformed', 'record-not-unique'])
      expect(codeOf(apiError(400, { type }))).toBe('invalid_query')
    expect(codeOf(apiError(429, { type: 'rate-limited' }))).toBe('rate_limited')
    expect(codeOf(apiError(500, { type: 'unknown' }))).toBe('auth_unavailable')
    expect(
      codeOf(apiError(400, { type: 'record-not-found', hint: { 'record-type': 'app-user' } })),
    ).toBe('invalid_token')
  })

  it('credentials problems are instant_misconfigured with a fix-it log', () => {
    const result = classifyDataError(
      apiError(400, { type: 'record-not-found', hint: { 'record-type': 'app-admin-token' } }),
    )
    expect(result?.error.code).toBe('instant_misconfigured')
    expect(result?.log).toContain('INSTANT_APP_ADMIN_TOKEN')
  })

  it('401 and 403 are wrong credentials (Instant refuses rules with 400), whatever the body says', () => {
    for (const status of [401, 403]) {
      for (const body of [{}, { type: 'permission-denied' }]) {
        const result = classifyDataError(apiError(status, body))
        expect(result?.error.code).toBe('instant_misconfigured')
        expect(result?.log).toBe(
          `instant-express-auth: Instant answered ${status} to a query or transaction. Check INSTANT_APP_ID, INSTANT_APP_ADMIN_TOKEN and INSTANT_API_URI: the admin token must belong to the app id, and the API URI must point at your Instant server.`,
        )
      }
    }
    expect(codeOf(apiError(400, { type: 'permission-denied' }))).toBe('permission_denied')
  })

  it('a client without an admin token is instant_misconfigured', () => {
    const noToken = Object.assign(new Error('Admin token required.'), {
      code: 'INSTANT_ADMIN_TOKEN_REQUIRED',
    })
    expect(classifyDataError(noToken)).toMatchObject({
      error: { code: 'instant_misconfigured', cause: noToken },
      log: expect.stringMatching(
        /^instant-express-auth: the Instant client has no admin token \(a query or transaction\)\. Check INSTANT_APP_ID/,
      ),
    })
  })

  it('an unknown 400 type is a 503 with a log line naming only the type', () => {
    const result = classifyDataError(apiError(400, { type: 'app-disabled', message: 'secret' }))
    expect(result?.error.code).toBe('auth_unavailable')
    expect(result?.log).toBe(
      'instant-express-auth: Instant answered 400 app-disabled to a query or transaction; answering 503 auth_unavailable.',
    )
  })

  it('outages carry their code; kit errors pass through; anything else is not classified', () => {
    const refused = Object.assign(new Error('x'), { code: 'ECONNREFUSED' })
    expect(classifyDataError(refused)).toMatchObject({
      outage: 'ECONNREFUSED',
      error: { code: 'auth_unavailable', headers: { 'Retry-After': '5' } },
    })
    const kit = new KitError('missing_token')
    expect(classifyDataError(kit)?.error).toBe(kit)
    expect(classifyDataError(new Error('boom'))).toBeUndefined()
    expect(classifyDataError('boom')).toBeUndefined()
  })
})
