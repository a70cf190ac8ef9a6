import { describe, expect, it } from 'vitest'
import { isKitError } from '../../src/errors/kit-error.js'
import {
  canonicalToken,
  carriesHeaderToken,
  createTokenExtractor,
  MAX_TOKEN_LENGTH,
} from '../../src/http/token-source.js'
import { hashToken } from '../../src/verification/verify-cache.js'

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

  it('returns the canonical (lower-case) spelling from every source', () => {
    const upper = T1.toUpperCase()
    expect(extract({ token: upper })).toBe(T1)
    expect(extract({ authorization: `Bearer ${upper}` })).toBe(T1)
    expect(withCookie({ cookie: `instant_token=${upper}` })).toBe(T1)
    // Two spellings of one token are not a conflict.
    expect(extract({ token: T1, authorization: `Bearer ${upper}` })).toBe(T1)
    expect(canonicalToken(upper)).toBe(T1)
    expect(hashToken(upper)).toBe(hashToken(T1))
  })

  it('a token header repeated (Node joins it as "t, t") is one token; two different → 400', () => {
    expect(extract({ token: `${T1}, ${T1}` })).toBe(T1)
    expect(extract({ token: `${T1},` })).toBe(T1)
    const error = thrown(() => extract({ token: `${T1}, ${T2}` }))
    expect(isKitError(error) && error.code).toBe('invalid_request')
  })

  it('reads rawHeaders: two different Authorization lines → 400, identical ones are one', () => {
    const headers = { authorization: `Bearer ${T1}` }
    const raw = (...values: string[]) => ({
      rawHeaders: values.flatMap((v) => ['Authorization', v]),
    })
    expect(extract(headers, raw(`Bearer ${T1}`))).toBe(T1)
    expect(extract(headers, raw(`Bearer ${T1}`, `Bearer  ${T1} `))).toBe(T1)
    expect(
      extract(headers, {
        rawHeaders: ['authorization', `Bearer ${T1}`, 'AUTHORIZATION', `Bearer ${T1}`],
      }),
    ).toBe(T1)
    for (const second of [`Bearer ${T2}`, 'Basic dXNlcjpwYXNz']) {
      const error = thrown(() => extract(headers, raw(`Bearer ${T1}`, second)))
      expect(isKitError(error) && error.code).toBe('invalid_request')
      expect(isKitError(error) && error.status).toBe(400)
    }
    // Without rawHeaders (a request-like object that has none), the first line is all there is.
    expect(extract(headers)).toBe(T1)
    expect(extract(headers, {})).toBe(T1)
  })

  it('reads rawHeaders only when there is an Authorization header', () => {
    let reads = 0
    const request = {
      get rawHeaders() {
        reads++
        return ['token', T1]
      },
    }
    expect(extract({ token: T1 }, request)).toBe(T1)
    expect(reads).toBe(0)
    expect(extract({ token: T1, authorization: `Bearer ${T1}` }, request)).toBe(T1)
    expect(reads).toBe(1)
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

describe('carriesHeaderToken', () => {
  it('is true only for a token the kit reads from a header: `token` or a well-formed Bearer', () => {
    expect(carriesHeaderToken({ token: T1 })).toBe(true)
    expect(carriesHeaderToken({ authorization: `Bearer ${T1}` })).toBe(true)
    expect(carriesHeaderToken({ authorization: `bearer   ${T1} ` })).toBe(true)
  })

  it('is false for ambient credentials a browser attaches itself, and for malformed ones', () => {
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      'Digest username="u", realm="r", nonce="n", uri="/", response="x"',
      'Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag',
      'NTLM TlRMTVNTUAABAAAAB4IIog==',
      'Bearer',
      'Bearer ',
      `Bearer ${T1} ${T2}`,
    ]) {
      expect(carriesHeaderToken({ authorization, cookie: `sid=${T1}` })).toBe(false)
    }
    expect(carriesHeaderToken({ cookie: `sid=${T1}` })).toBe(false)
    expect(carriesHeaderToken({ token: '  ' })).toBe(false)
    // Conflicting `token` lines: the extractor refuses the request; no exemption here.
    expect(carriesHeaderToken({ token: `${T1}, ${T2}` })).toBe(false)
  })
})
