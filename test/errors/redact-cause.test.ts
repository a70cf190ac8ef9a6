import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { KitError, isKitError } from '../../src/errors/kit-error.js'
import { RedactedCause, redactCause, redactedForHandOff } from '../../src/errors/redact-cause.js'

const SECRET = 'secret-admin-token-value'

describe('redactCause', () => {
  it('keeps identifiers (name, status, Instant type, code) and drops every message, body and hint', () => {
    const network = Object.assign(new Error(`connect to ${SECRET}`), { code: 'ECONNRESET' })
    const api = Object.assign(new Error(`echo ${SECRET}`, { cause: network }), {
      name: 'InstantAPIError',
      status: 502,
      body: { type: 'bad-gateway', message: SECRET, hint: { token: SECRET } },
      hint: { token: SECRET },
    })
    const summary = redactCause(api)
    expect(summary).toBeInstanceOf(RedactedCause)
    expect(summary).toMatchObject({ name: 'InstantAPIError', status: 502, type: 'bad-gateway' })
    expect(summary?.message).toBe('redacted (status 502, type bad-gateway)')
    expect(summary?.cause).toMatchObject({ name: 'Error', code: 'ECONNRESET' })
    const printed = [inspect(summary, { depth: 10, showHidden: true }), JSON.stringify(summary)]
    for (const text of printed) expect(text).not.toContain(SECRET)
    expect(summary?.stack).toMatch(
      /^InstantAPIError: redacted \(status 502, type bad-gateway\)\n\s+at /,
    )
  })

  it('copies names and codes only when they are identifiers', () => {
    const odd = Object.assign(new Error('x'), { name: `Error ${SECRET}`, code: `${SECRET} !` })
    expect(redactCause(odd)).toMatchObject({ name: 'Error', message: 'redacted (no details)' })
    expect(redactCause(SECRET)?.message).not.toContain(SECRET)
    expect(redactCause(undefined)).toBeUndefined()
  })

  it('stops at a bounded depth (a cyclic cause chain ends)', () => {
    const a: Error & { cause?: unknown } = new Error('a')
    a.cause = a
    let depth = 0
    for (let c: unknown = redactCause(a); c !== undefined; c = (c as Error).cause) depth++
    expect(depth).toBe(3)
  })
})

describe('redactedForHandOff', () => {
  it('keeps code, status, headers and detail; replaces the cause', () => {
    const original = new KitError('auth_unavailable', {
      cause: new Error(SECRET),
      headers: { 'Retry-After': '5' },
    })
    const handed = redactedForHandOff(original)
    expect(isKitError(handed)).toBe(true)
    expect(handed).toMatchObject({
      code: 'auth_unavailable',
      status: 503,
      statusCode: 503,
      headers: { 'Retry-After': '5' },
      message: original.message,
    })
    expect(inspect(handed, { depth: 10 })).not.toContain(SECRET)
    const bare = new KitError('missing_token')
    expect(redactedForHandOff(bare)).toBe(bare)
  })
})
