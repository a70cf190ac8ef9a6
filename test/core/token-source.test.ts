import { describe, expect, it } from 'vitest'
import { isKitError } from '../../src/core/errors.js'
import { createTokenExtractor, MAX_TOKEN_LENGTH } from '../../src/core/token-source.js'

const T1 = '11111111-1111-4111-8111-111111111111'
const T2 = '22222222-2222-4222-8222-222222222222'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('createTokenExtractor', () => {
  const extract = createTokenExtractor()
  const withCookie = createTokenExtractor({ cookie: 'instant_token' })

  it('reads the token header first', () => {
    expect(extract({ token: T1 })).toBe(T1)
    expect(extract({ token: `  ${T1} ` })).toBe(T1)
  })

  it('reads Authorization: Bearer (any case of the scheme)', () => {
    expect(extract({ authorization: `Bearer ${T1}` })).toBe(T1)
    expect(extract({ authorization: `bearer   ${T1}` })).toBe(T1)
  })

  it('ignores other schemes and empty values', () => {
    expect(extract({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined()
    expect(extract({ authorization: 'Bearer ' })).toBeUndefined()
    expect(extract({ token: '' })).toBeUndefined()
    expect(extract({})).toBeUndefined()
  })

  it('accepts the same token twice', () => {
    expect(extract({ token: T1, authorization: `Bearer ${T1}` })).toBe(T1)
    expect(extract({ token: [T1, T1] })).toBe(T1)
  })

  it('rejects two different tokens with 400 invalid_request', () => {
    for (const headers of [{ token: T1, authorization: `Bearer ${T2}` }, { token: [T1, T2] }]) {
      const error = thrown(() => extract(headers))
      expect(isKitError(error)).toBe(true)
      if (!isKitError(error)) return
      expect(error.code).toBe('invalid_request')
      expect(error.status).toBe(400)
      expect(error.headers).toEqual({
        'WWW-Authenticate': 'Bearer realm="instant", error="invalid_request"',
      })
      expect(error.message).not.toContain(T1)
      expect(error.message).not.toContain(T2)
    }
  })

  it('reads a cookie only when configured', () => {
    expect(extract({ cookie: `instant_token=${T1}` })).toBeUndefined()
    expect(withCookie({ cookie: `a=b; instant_token=${T1}; c=d` })).toBe(T1)
    expect(withCookie({ cookie: `instant_token="${T1}"` })).toBe(T1)
    expect(withCookie({ cookie: `instant_token=${encodeURIComponent(T1)}` })).toBe(T1)
    expect(withCookie({ cookie: `other_instant_token=${T1}` })).toBeUndefined()
  })

  it('headers win over the cookie only when they agree', () => {
    expect(withCookie({ token: T1, cookie: `instant_token=${T1}` })).toBe(T1)
    const error = thrown(() => withCookie({ token: T1, cookie: `instant_token=${T2}` }))
    expect(isKitError(error) && error.code).toBe('invalid_request')
  })

  it('validates the cookie option at build time', () => {
    expect(() => createTokenExtractor({ cookie: 'bad name' })).toThrow(TypeError)
    expect(() => createTokenExtractor({ cookie: 'bad name' })).toThrow(/`cookie`/)
  })

  it('has a generous upper bound for token length', () => {
    expect(MAX_TOKEN_LENGTH).toBe(1024)
  })
})
