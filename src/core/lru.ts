/**
 * A bounded map that forgets its least recently used key first: what the verification cache
 * needs and no more (no TTLs, timers or events: expiry is the caller's, checked on read). A `Map`
 * keeps insertion order, so re-inserting a key on a hit makes it the newest and the first key in
 * iteration order is always the least recently used. A hit costs one lookup and one re-insert;
 * this replaced the `lru-cache` package (3.6 MB installed) on the warm-cache hot path.
 */
export interface Lru<K, V> {
  /** The value for `key`, now the most recently used; `undefined` when absent. */
  get(key: K): V | undefined
  /** Sets `key`, the most recently used; evicts the least recently used beyond `max`. */
  set(key: K, value: V): void
  delete(key: K): boolean
  /** Every entry, least recently used first. Reading does not change the order. */
  entries(): IterableIterator<[K, V]>
  readonly size: number
}

/** Creates an LRU of at most `max` keys (a positive integer, validated by the caller). */
export function createLru<K, V>(max: number): Lru<K, V> {
  const map = new Map<K, V>()
  return {
    get(key) {
      const value = map.get(key)
      if (value !== undefined) {
        map.delete(key)
        map.set(key, value)
      }
      return value
    },
    set(key, value) {
      map.delete(key)
      map.set(key, value)
      if (map.size > max) {
        // The first key in insertion order is the least recently used one.
        const oldest = map.keys().next()
        if (oldest.done !== true) map.delete(oldest.value)
      }
    },
    delete(key) {
      return map.delete(key)
    },
    entries() {
      return map.entries()
    },
    get size() {
      return map.size
    },
  }
}
