import { describe, expect, it, vi } from 'vitest'
import { MAX_TIMEOUT_MS, resolveTimeoutMs, withTimeout } from '../../src/core/timeout.js'
import { resolveInstantTimeout, withInstantTimeout } from '../../src/core/instant-timeout.js'

describe('resolveTimeoutMs', () => {
  it('fills the default and accepts positive ms up to what setTimeout honours', () => {
    expect(resolveTimeoutMs(undefined, 'fooMs', 1234)).toBe(1234)
    expect(resolveTimeoutMs(0.5, 'fooMs', 1234)).toBe(0.5)
    expect(resolveTimeoutMs(MAX_TIMEOUT_MS, 'fooMs', 1234)).toBe(MAX_TIMEOUT_MS)
  })

  it('throws a TypeError naming the option and its default', () => {
    for (const bad of [
      0,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      MAX_TIMEOUT_MS + 1,
      '5',
      null,
    ]) {
      expect(() => resolveTimeoutMs(bad, 'fooMs', 1234)).toThrow(
        new TypeError('`fooMs` must be a positive number of milliseconds (default 1234).'),
      )
    }
    expect(() => resolveInstantTimeout(-1)).toThrow(
      '`instantTimeoutMs` must be a positive number of milliseconds (default 10000).',
    )
  })
})

describe('withTimeout', () => {
  it('settles like the call when it is in time, and clears its timer', async () => {
    vi.useFakeTimers()
    try {
      await expect(withTimeout(Promise.resolve(7), 100, () => new Error('late'))).resolves.toBe(7)
      await expect(
        withTimeout(Promise.reject(new Error('boom')), 100, () => new Error('late')),
      ).rejects.toThrow('boom')
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('rejects with onTimeout() past the bound; a late rejection stays handled', async () => {
    let rejectLate!: (error: Error) => void
    const never = new Promise<number>((_, reject) => (rejectLate = reject))
    const timedOut = new Error('timed out')
    await expect(withTimeout(never, 10, () => timedOut)).rejects.toBe(timedOut)
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      rejectLate(new Error('too late'))
      await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('withInstantTimeout times out as a transport error (classified as an outage)', async () => {
    await expect(
      withInstantTimeout(new Promise(() => {}), 10, 'verifyToken'),
    ).rejects.toMatchObject({ name: 'InstantTimeoutError', code: 'INSTANT_TIMEOUT' })
  })
})
