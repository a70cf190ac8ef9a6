import { describe, expect, it } from 'vitest'
import { createLru } from '../../src/verification/lru.js'

describe('createLru', () => {
  it('evicts the least recently used key beyond max; a get makes a key the newest', () => {
    const lru = createLru<string, number>(3)
    lru.set('a', 1)
    lru.set('b', 2)
    lru.set('c', 3)
    expect(lru.get('a')).toBe(1) // order now b, c, a
    lru.set('d', 4) // evicts b
    expect(lru.get('b')).toBeUndefined()
    expect([...lru.entries()]).toEqual([
      ['c', 3],
      ['a', 1],
      ['d', 4],
    ])
    expect(lru.size).toBe(3)
  })

  it('setting an existing key replaces its value, makes it the newest and evicts nothing', () => {
    const lru = createLru<string, number>(2)
    lru.set('a', 1)
    lru.set('b', 2)
    lru.set('a', 10)
    expect(lru.size).toBe(2)
    lru.set('c', 3) // evicts b, the least recently used
    expect([...lru.entries()]).toEqual([
      ['a', 10],
      ['c', 3],
    ])
  })

  it('delete removes a key and says whether it was there; a miss changes nothing', () => {
    const lru = createLru<string, number>(2)
    lru.set('a', 1)
    expect(lru.get('missing')).toBeUndefined()
    expect(lru.delete('a')).toBe(true)
    expect(lru.delete('a')).toBe(false)
    expect(lru.size).toBe(0)
  })

  it('holds exactly max keys under a stream of new ones', () => {
    const lru = createLru<number, number>(1_000)
    for (let i = 0; i < 100_000; i++) lru.set(i, i)
    expect(lru.size).toBe(1_000)
    expect(lru.get(98_999)).toBeUndefined()
    expect(lru.get(99_000)).toBe(99_000)
  })
})
