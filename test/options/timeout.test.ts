import { describe, expect, it, vi } from 'vitest'
import { withTimeout } from '../../src/options/timeout.js'

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
})
