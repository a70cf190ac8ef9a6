/**
 * Per-email counters mirroring Instant's magic-code buckets: capacity N, refilled completely
 * once per window (bucket4j "refill intervally"), kept in memory.
 */

export interface FixedWindowLimiter {
  /** Counts one attempt for `key`; false when the key is over its limit in this window. */
  tryConsume(key: string, now: number): boolean
  clear(): void
}

/** `limit` ≤ 0 or Infinity disables the limiter. */
export function createFixedWindowLimiter(limit: number, windowMs: number): FixedWindowLimiter {
  const windows = new Map<string, { start: number; used: number }>()
  return {
    tryConsume(key, now) {
      if (!(limit > 0) || limit === Infinity) return true
      let entry = windows.get(key)
      if (entry === undefined || now - entry.start >= windowMs) {
        if (windows.size > 100_000) sweep(now)
        entry = { start: now, used: 0 }
        windows.set(key, entry)
      }
      if (entry.used >= limit) return false
      entry.used++
      return true
    },
    clear() {
      windows.clear()
    },
  }

  function sweep(now: number): void {
    for (const [key, entry] of windows) if (now - entry.start >= windowMs) windows.delete(key)
  }
}
