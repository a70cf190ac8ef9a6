import { describe, expect, it } from 'vitest'
import { MAX_ABANDONED_INSTANT_CALLS, callInstant } from '../../src/instant/instant-timeout.js'
import { createVerifier } from '../../src/verification/verifier.js'
import { hashToken, resolveCacheOptions } from '../../src/verification/verify-cache.js'
import { HONOURS_CALL_TIMEOUTS } from '../../src/errors/brands.js'
import type { InstantAuthDb, InstantCallOptions } from '../../src/instant/instant-db.js'

const silent = { warn() {}, error() {} }

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

describe('callInstant', () => {
  it('aborts the signal at the deadline and rejects as a timeout (an outage)', async () => {
    let seen: AbortSignal | undefined
    const error = await rejection(
      callInstant({}, 'verifyToken', 20, (call) => {
        seen = call.signal
        return new Promise(() => {})
      }),
    )
    expect(error).toMatchObject({ name: 'InstantTimeoutError', code: 'INSTANT_TIMEOUT' })
    expect(seen?.aborted).toBe(true)
  })

  it('settles like the call when it is in time, and leaves the signal alone', async () => {
    let seen: AbortSignal | undefined
    await expect(
      callInstant({}, 'getUser', 1_000, (call) => {
        seen = call.signal
        return Promise.resolve('ok')
      }),
    ).resolves.toBe('ok')
    expect(seen?.aborted).toBe(false)
    const thrown = new Error('sync')
    await expect(
      callInstant({}, 'getUser', 1_000, () => {
        throw thrown
      }),
    ).rejects.toBe(thrown)
  })

  it('a client that enforces deadlines itself (ours) gets { timeoutMs } and no signal or timer', async () => {
    const db = { [HONOURS_CALL_TIMEOUTS]: true }
    const seen: InstantCallOptions[] = []
    await expect(
      callInstant(db, 'getUser', 250, (call) => {
        seen.push(call)
        return Promise.resolve('ok')
      }),
    ).resolves.toBe('ok')
    expect(seen).toEqual([{ timeoutMs: 250 }])
    // No timer of the kit's: a call that never settles is the client's to end.
    const never = callInstant(db, 'getUser', 5, () => new Promise(() => {}))
    const raced = await Promise.race([
      never.then(() => 'settled'),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 50)),
    ])
    expect(raced).toBe('pending')
    const thrown = new Error('sync')
    await expect(
      callInstant(db, 'getUser', 1_000, () => {
        throw thrown
      }),
    ).rejects.toBe(thrown)
  })

  it('a client that ignores the signal (@instantdb/admin): late calls stop at the bound, then resume', async () => {
    const db = {}
    const releases: Array<() => void> = []
    let started = 0
    const hang = () => {
      started++
      return new Promise<void>((resolve) => releases.push(resolve))
    }
    // Waves, each after the previous one timed out: the pile stops growing at the bound.
    for (let wave = 0; wave < 6; wave++) {
      const calls = Array.from({ length: 25 }, () =>
        rejection(callInstant(db, 'verifyToken', 5, hang)),
      )
      for (const error of await Promise.all(calls)) expect(error.code).toBe('INSTANT_TIMEOUT')
    }
    expect(MAX_ABANDONED_INSTANT_CALLS).toBe(100)
    expect(started).toBe(MAX_ABANDONED_INSTANT_CALLS)
    const fast = await rejection(callInstant(db, 'verifyToken', 5, hang))
    expect(fast.message).toMatch(/100 earlier calls are still running/)
    expect(started).toBe(MAX_ABANDONED_INSTANT_CALLS)
    // Once the late calls settle, calls start again; another db was never affected.
    for (const release of releases) release()
    await new Promise((resolve) => setImmediate(resolve))
    await expect(callInstant(db, 'verifyToken', 1_000, async () => 'again')).resolves.toBe('again')
    await expect(callInstant({}, 'verifyToken', 1_000, async () => 'other')).resolves.toBe('other')
  })

  it('the verifier passes its signal to db.auth.verifyToken', async () => {
    const signals: AbortSignal[] = []
    const db = {
      asUser: () => ({}),
      auth: {
        verifyToken: (_token: string, options?: { signal?: AbortSignal }) => {
          if (options?.signal) signals.push(options.signal)
          return new Promise(() => {})
        },
      },
    } as unknown as InstantAuthDb
    const verifier = createVerifier({
      db,
      cache: resolveCacheOptions({}, 'requireInstantUser'),
      logger: silent,
      onEvent: undefined,
      timeoutMs: 10,
    })
    const token = '11111111-1111-4111-8111-111111111111'
    const error = await rejection(verifier.verify(token, hashToken(token)))
    expect(error.code).toBe('auth_unavailable')
    expect(signals).toHaveLength(1)
    expect(signals[0]?.aborted).toBe(true)
  })
})
