/**
 * A bounded map that forgets its least recently used key first: what the verification cache
 * needs and no more (no TTLs, timers or events: expiry is the caller's, checked on read). A `Map`
 * keeps insertion order, so re-inserting a key on a hit makes it the newest and the first key in
 * iteration order is always the least recently used. A hit costs one lookup and one re-insert.
 * This replaced the `lru-cache` package (3.6 MB installed) on the warm-cache hot path.
 */
interface Lru<K, V> {
  /** The value for `key`, now the most recently used; `undefined` when absent. */
  get(key: K): V | undefined
  /** Sets `key`, the most recently used; evicts the least recently used beyond `max`. */
  set(key: K, value: V): void
  delete(key: K): boolean
  /** Every entry, least recently used first. Reading does not change the order. */
  entries(): Generator<[K, V]>
  readonly size: number
}

/** Creates an LRU of at most `max` keys (a positive integer, validated by the caller). */
export function createLru<K, V>(max: number): Lru<K, V> {
  // Each slot keeps the key it was set with. A hit re-inserts that key, not the caller's: the
  // caller's is usually a string made for this request (a token hash), and storing it in the
  // long-lived table would carry one short-lived string per hit into the old generation.
  const map = new Map<K, { readonly key: K; value: V }>()
  return {
    get(key) {
      const slot = map.get(key)
      if (slot === undefined) return undefined
      map.delete(key)
      map.set(slot.key, slot)
      return slot.value
    },
    set(key, value) {
      map.delete(key)
      map.set(key, { key, value })
      if (map.size > max) {
        // The first key in insertion order is the least recently used one.
        const oldest = map.keys().next()
        if (oldest.done !== true) map.delete(oldest.value)
      }
    },
    delete(key) {
      return map.delete(key)
    },
    *entries() {
      for (const [key, slot] of map) yield [key, slot.value]
    },
    get size() {
      return map.size
    },
  }
}
