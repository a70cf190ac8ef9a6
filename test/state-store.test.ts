import { afterEach, describe, expect, it, vi } from 'vitest'
import { memoryStore, resolveStateStore } from '../src/state-store.js'

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0)

describe('memoryStore', () => {
  afterEach(() => void vi.useRealTimers())

  function atT0() {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    return memoryStore()
  }

  it('hit: a fixed window that starts at the first hit and is not extended', async () => {
    const store = atT0()
    expect(await store.hit('iea:k', 1_000)).toEqual({ count: 1, resetAt: T0 + 1_000 })
    vi.setSystemTime(T0 + 999)
    expect(await store.hit('iea:k', 1_000)).toEqual({ count: 2, resetAt: T0 + 1_000 })
    expect(await store.get('iea:k')).toBe('2')
    vi.setSystemTime(T0 + 1_000)
    expect(await store.get('iea:k')).toBeUndefined()
    expect(await store.hit('iea:k', 1_000)).toEqual({ count: 1, resetAt: T0 + 2_000 })
  })

  it('put, get, delete, with expiry', async () => {
    const store = atT0()
    await store.put('iea:a', 'one', 500)
    expect(await store.get('iea:a')).toBe('one')
    await store.put('iea:a', 'two', 500)
    expect(await store.get('iea:a')).toBe('two')
    vi.setSystemTime(T0 + 500)
    expect(await store.get('iea:a')).toBeUndefined()
    await store.put('iea:b', 'x', 500)
    await store.delete('iea:b')
    await store.delete('iea:missing')
    expect(await store.get('iea:b')).toBeUndefined()
  })

  it('put replaces a counter; hit on a plain value starts a new counter', async () => {
    const store = atT0()
    await store.hit('iea:c', 1_000)
    await store.put('iea:c', 'v', 1_000)
    expect(await store.get('iea:c')).toBe('v')
    expect(await store.hit('iea:c', 1_000)).toEqual({ count: 1, resetAt: T0 + 1_000 })
  })

  it('take: of concurrent calls exactly one gets the value; expired values are not taken', async () => {
    const store = atT0()
    await store.put('iea:once', 'v', 1_000)
    const taken = await Promise.all(Array.from({ length: 10 }, () => store.take('iea:once')))
    expect(taken.filter((v) => v === 'v')).toHaveLength(1)
    expect(taken.filter((v) => v === undefined)).toHaveLength(9)
    await store.put('iea:old', 'v', 10)
    vi.setSystemTime(T0 + 10)
    expect(await store.take('iea:old')).toBeUndefined()
  })

  it('holds at most maxKeys: expired keys go first, then the oldest values, then counters', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 })
    const store = memoryStore({ maxKeys: 3 })
    await store.put('iea:short', 's', 10)
    await store.put('iea:a', 'a', 60_000)
    await store.put('iea:b', 'b', 60_000)
    vi.setSystemTime(T0 + 5_000)
    await store.put('iea:c', 'c', 60_000) // sweeps iea:short, keeps a and b
    expect(await store.get('iea:a')).toBe('a')
    expect(await store.get('iea:b')).toBe('b')
    await store.put('iea:d', 'd', 60_000) // nothing expired: the oldest write (a) goes
    expect(await store.get('iea:a')).toBeUndefined()
    expect(await store.get('iea:b')).toBe('b')
    expect(await store.get('iea:c')).toBe('c')
    expect(await store.get('iea:d')).toBe('d')
    // Plain values (codes) go before counters (spent budgets), whatever their age.
    await store.hit('iea:counter', 60_000)
    await store.put('iea:e', 'e', 60_000)
    expect(await store.get('iea:counter')).toBe('1')
    expect(await store.get('iea:b')).toBeUndefined()
    expect(await store.get('iea:e')).toBe('e')
    for (let i = 0; i < 1_000; i++) await store.hit(`iea:flood:${i}`, 60_000)
    const left = await Promise.all(['c', 'd', 'e', 'counter'].map((k) => store.get(`iea:${k}`)))
    expect(left).toEqual([undefined, undefined, undefined, undefined])
    expect(await store.get('iea:flood:999')).toBe('1')
  })

  it('validates its options', () => {
    for (const [bad, shown] of [
      [0, '0'],
      [-1, '-1'],
      [1.5, '1.5'],
      [Number.NaN, 'NaN'],
      ['10', 'a string'],
    ] as const) {
      expect(() => memoryStore({ maxKeys: bad as number })).toThrow(
        new TypeError(
          `memoryStore(): \`maxKeys\` must be a positive integer (default 100000); got ${shown}.`,
        ),
      )
    }
    expect(() => memoryStore(null as never)).toThrow(TypeError)
  })
})

describe('resolveStateStore', () => {
  it('defaults to a memory store and refuses anything without the five methods', async () => {
    const store = resolveStateStore(undefined, 'test')
    await store.put('iea:x', '1', 1_000)
    expect(await store.get('iea:x')).toBe('1')
    const { take: _take, ...incomplete } = memoryStore()
    for (const bad of [null, 'redis', {}, incomplete]) {
      expect(() => resolveStateStore(bad, 'test')).toThrow(
        'test(): `store` must be a state store with hit, put, get, take and delete (e.g. memoryStore()); got ',
      )
    }
  })
})
