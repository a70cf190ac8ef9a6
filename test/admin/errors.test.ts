import { describe, expect, it, vi } from 'vitest'
import {
  InstantAPIError,
  InstantTransportError,
  isInstantAPIError,
  isInstantTransportError,
} from '../../src/admin/index.js'

describe('error classes', () => {
  it('InstantAPIError keeps the SDK fields', () => {
    const error = new InstantAPIError({
      status: 429,
      body: {
        type: 'rate-limited',
        message: 'Too many',
        hint: { 'retry-after': 3 },
        'trace-id': 't',
      },
    })
    expect(error).toBeInstanceOf(Error)
    expect({ ...error, message: error.message }).toEqual({
      name: 'InstantAPIError',
      message: 'Too many',
      status: 429,
      hint: { 'retry-after': 3 },
      traceId: 't',
      body: {
        type: 'rate-limited',
        message: 'Too many',
        hint: { 'retry-after': 3 },
        'trace-id': 't',
      },
    })
    expect(new InstantAPIError({ status: 500, body: undefined }).message).toBe('API Error (500)')
  })

  it('InstantTransportError has a stable code and keeps its cause', () => {
    const cause = new Error('connect ECONNREFUSED')
    const error = new InstantTransportError('INSTANT_UNREACHABLE', 'Instant is unreachable', {
      cause,
    })
    expect(error).toMatchObject({ name: 'InstantTransportError', code: 'INSTANT_UNREACHABLE' })
    expect(error.cause).toBe(cause)
    expect(Object.prototype.toString.call(error)).toBe('[object InstantTransportError]')
  })

  it('the is* helpers recognise errors from another copy of the package', async () => {
    vi.resetModules()
    const copy = await import('../../src/admin/errors.js')
    expect(copy.InstantAPIError).not.toBe(InstantAPIError)
    const foreignApi = new copy.InstantAPIError({ status: 400, body: { message: 'x' } })
    const foreignTransport = new copy.InstantTransportError('INSTANT_TIMEOUT', 'slow')
    expect(foreignApi instanceof InstantAPIError).toBe(false)
    expect(isInstantAPIError(foreignApi)).toBe(true)
    expect(isInstantTransportError(foreignTransport)).toBe(true)
    expect(isInstantAPIError(foreignTransport)).toBe(false)
    expect(isInstantTransportError(foreignApi)).toBe(false)
    expect(isInstantAPIError(new Error('x'))).toBe(false)
    expect(isInstantTransportError(null)).toBe(false)
  })
})

describe('logging an InstantAPIError', () => {
  const ADMIN_TOKEN = '0c9e7d1a-2b3c-4d5e-8f90-a1b2c3d4e5f6'
  const body = {
    type: 'record-not-found',
    message: 'Record not found: app-admin-token',
    hint: {
      'record-type': 'app-admin-token',
      args: [{ 'app-id': 'A', token: ADMIN_TOKEN }],
      'original-input': `Bearer ${ADMIN_TOKEN}`,
    },
  }

  it('redacts echoed credentials in util.inspect but keeps the SDK fields intact', async () => {
    const { inspect } = await import('node:util')
    const error = new InstantAPIError({ status: 400, body })
    const shown = inspect(error, { depth: 10 })
    expect(shown).not.toContain(ADMIN_TOKEN)
    expect(shown).toContain("token: '[redacted]'")
    expect(shown).toContain('Record not found: app-admin-token')
    expect(shown).toContain("'record-type': 'app-admin-token'")
    expect(error.body).toBe(body)
    expect(error.hint).toBe(body.hint)
  })
})
