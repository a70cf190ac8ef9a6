import { describe, expect, it } from 'vitest'
import { DEFAULT_CHALLENGE, KitError } from '../../src/errors/kit-error.js'
import type { KitEvent } from '../../src/options/events.js'
import { upstreamError } from '../../src/instant/upstream-error.js'

function apiError(status: number, body: Record<string, unknown>): Error {
  return Object.assign(new Error('x'), { name: 'InstantAPIError', status, body })
}

function hooks() {
  const lines: string[] = []
  const events: KitEvent[] = []
  return {
    lines,
    events,
    logger: {
      warn: (m: string) => void lines.push(`warn: ${m}`),
      error: (m: string) => void lines.push(`error: ${m}`),
    },
    onEvent: (e: KitEvent) => void events.push(e),
  }
}

describe('upstreamError', () => {
  it('reports an outage as upstream_error, with one rate-limited warning for a plain 5xx', () => {
    const h = hooks()
    const db = { config: { apiURI: 'https://instant.example.com' } } as never
    const error = upstreamError(apiError(502, {}), 'createToken', { ...h, db })
    upstreamError(apiError(502, {}), 'createToken', { ...h, db })
    expect(error.code).toBe('auth_unavailable')
    expect(h.events).toEqual([
      { type: 'upstream_error', operation: 'createToken', code: 'auth_unavailable' },
      { type: 'upstream_error', operation: 'createToken', code: 'auth_unavailable' },
    ])
    expect(h.lines).toEqual([
      'warn: instant-express-auth: Instant at https://instant.example.com failed createToken (HTTP 502); answering 503 auth_unavailable. Check that Instant is running and that INSTANT_API_URI (scheme, host, port) points at it.',
    ])
  })

  it("does not report the caller's own mistakes", () => {
    const h = hooks()
    const notFound = apiError(400, { type: 'record-not-found' })
    expect(upstreamError(notFound, 'checkMagicCode', h).code).toBe('invalid_code')
    expect(upstreamError(notFound, 'verifyToken', h).code).toBe('invalid_token')
    expect(upstreamError(notFound, 'signOut', h).code).toBe('invalid_token')
    expect(upstreamError(apiError(400, { type: 'signups-closed' }), 'createToken', h).code).toBe(
      'invalid_credentials',
    )
    expect(h.events).toEqual([])
    expect(h.lines).toEqual([])
  })

  it('logs misconfiguration as an error and odd answers as a warning', () => {
    const h = hooks()
    upstreamError(
      apiError(400, { type: 'record-not-found', hint: { 'record-type': 'app-admin-token' } }),
      'getUser',
      h,
    )
    upstreamError(apiError(400, { type: 'something-new' }), 'getUser', h)
    expect(h.lines).toHaveLength(2)
    expect(h.lines[0]).toMatch(/^error: .*INSTANT_APP_ADMIN_TOKEN/)
    expect(h.lines[1]).toBe(
      'warn: instant-express-auth: Instant answered 400 something-new to getUser; answering 503 auth_unavailable.',
    )
    expect(h.events.map((e) => e.type === 'upstream_error' && e.code)).toEqual([
      'instant_misconfigured',
      'auth_unavailable',
    ])
  })

  it('passes a KitError through unreported (its maker reported it)', () => {
    const h = hooks()
    const original = new KitError('auth_unavailable')
    expect(upstreamError(original, 'signOut', h)).toBe(original)
    expect(h.events).toEqual([])
  })
})

describe('KitError challenges', () => {
  it('every 401 carries WWW-Authenticate unless it names its own; other statuses do not', () => {
    expect(new KitError('invalid_credentials').headers).toEqual({
      'WWW-Authenticate': DEFAULT_CHALLENGE,
    })
    expect(new KitError('invalid_code').headers['WWW-Authenticate']).toBe('Bearer realm="instant"')
    expect(
      new KitError('invalid_token', { headers: { 'www-authenticate': 'Bearer error="x"' } })
        .headers,
    ).toEqual({ 'www-authenticate': 'Bearer error="x"' })
    expect(new KitError('auth_unavailable').headers).toEqual({})
    expect(new KitError('guest_not_allowed').headers).toEqual({})
  })
})
