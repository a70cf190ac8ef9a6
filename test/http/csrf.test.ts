import { describe, expect, it } from 'vitest'
import {
  CSRF_REJECTED_DETAIL,
  CSRF_TEXT_PLAIN_DETAIL,
  checkNotTextPlain,
  checkSameOrigin,
  resolveTrustedOrigins,
} from '../../src/http/csrf.js'

const OWN = 'http://127.0.0.1:3000'
const none = resolveTrustedOrigins(undefined, 'test')

function check(
  headers: Record<string, string>,
  method = 'POST',
  trusted = none,
): { status: number; code: string; detail: string } | undefined {
  const error = checkSameOrigin({ method, headers, ownOrigin: OWN }, trusted)
  return error && { status: error.status, code: error.code, detail: error.message }
}

const REJECTED = { status: 403, code: 'csrf_rejected', detail: CSRF_REJECTED_DETAIL }

describe('checkSameOrigin', () => {
  it('never checks GET, HEAD and OPTIONS', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect(check({ 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' }, method)).toBe(
        undefined,
      )
    }
  })

  it('refuses cross-site and same-site requests by Fetch Metadata', () => {
    expect(check({ 'sec-fetch-site': 'cross-site' })).toEqual(REJECTED)
    expect(check({ 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:4000' })).toEqual(
      REJECTED,
    )
    expect(check({ 'sec-fetch-site': 'Cross-Site' }, 'DELETE')).toEqual(REJECTED)
  })

  it('accepts same-origin and user-initiated requests by Fetch Metadata', () => {
    expect(check({ 'sec-fetch-site': 'same-origin' })).toBeUndefined()
    expect(check({ 'sec-fetch-site': 'none' })).toBeUndefined()
    // A TLS-terminating proxy without `trust proxy` makes the own origin http: Fetch Metadata still decides.
    expect(check({ 'sec-fetch-site': 'same-origin', origin: 'https://127.0.0.1:3000' })).toBe(
      undefined,
    )
  })

  it('without Fetch Metadata, decides by Origin: own passes, foreign and null are refused', () => {
    expect(check({ origin: OWN })).toBeUndefined()
    expect(check({ origin: 'HTTP://127.0.0.1:3000' })).toBeUndefined()
    expect(check({ origin: 'https://evil.test' })).toEqual(REJECTED)
    expect(check({ origin: 'null' })).toEqual(REJECTED)
    expect(check({ origin: 'http://127.0.0.1:3001' })).toEqual(REJECTED)
  })

  it('lets a request with neither header through: not a browser, so no victim cookie', () => {
    expect(check({})).toBeUndefined()
  })

  it('accepts an Origin in trustedOrigins, even when Fetch Metadata says same-site', () => {
    const trusted = resolveTrustedOrigins(
      ['https://www.example.com', 'https://A.example.com:443/'],
      'test',
    )
    expect([...trusted]).toEqual(['https://www.example.com', 'https://a.example.com'])
    expect(
      check({ 'sec-fetch-site': 'same-site', origin: 'https://www.example.com' }, 'POST', trusted),
    ).toBeUndefined()
    expect(check({ origin: 'https://a.example.com' }, 'PUT', trusted)).toBeUndefined()
    expect(
      check({ 'sec-fetch-site': 'same-site', origin: 'https://b.example.com' }, 'POST', trusted),
    ).toEqual(REJECTED)
  })

  it('without an own origin (no Host), a foreign Origin is still refused', () => {
    const error = checkSameOrigin(
      { method: 'POST', headers: { origin: OWN }, ownOrigin: undefined },
      none,
    )
    expect(error?.code).toBe('csrf_rejected')
  })
})

describe('resolveTrustedOrigins', () => {
  it.each([
    ['not an array', 'https://a.com'],
    ['a path', ['https://a.com/app']],
    ['a query', ['https://a.com?x=1']],
    ['another scheme', ['ftp://a.com']],
    ['credentials', ['https://u:p@a.com']],
    ['not a URL', ['a.com']],
    ['not a string', [42]],
  ])('rejects %s', (_what, value) => {
    expect(() => resolveTrustedOrigins(value, 'test')).toThrow(TypeError)
    expect(() => resolveTrustedOrigins(value, 'test')).toThrow(/`trustedOrigins/)
  })
})

describe('checkNotTextPlain', () => {
  it('refuses text/plain in any spelling, allows JSON, forms and no body type', () => {
    for (const type of ['text/plain', 'Text/Plain; charset=UTF-8', ' text/plain ;x=y']) {
      const error = checkNotTextPlain({ headers: { 'content-type': type } })
      expect(error && [error.status, error.code, error.message]).toEqual([
        403,
        'csrf_rejected',
        CSRF_TEXT_PLAIN_DETAIL,
      ])
    }
    for (const type of ['application/json', 'application/x-www-form-urlencoded', undefined]) {
      expect(checkNotTextPlain({ headers: { 'content-type': type } })).toBeUndefined()
    }
  })
})
