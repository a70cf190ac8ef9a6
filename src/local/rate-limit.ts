/**
 * Per-key counters mirroring Instant's magic-code buckets: capacity N, refilled completely
 * once per window (bucket4j "refill intervally"), kept in memory. The number of keys is capped:
 * keys come from callers (emails, IPs), so without a cap a flood of distinct keys grows the map
 * without bound within one window.
 */

/** Default cap on keys held by one limiter. */
export const DEFAULT_RATE_LIMIT_MAX_KEYS = 100_000

interface FixedWindowLimiter {
  /** Counts one attempt for `key`; false when the key is over its limit in this window. */
  tryConsume(key: string, now: number): boolean
  /** Keys currently held (never more than `maxKeys`). */
  readonly size: number
}

/**
 * `limit` ≤ 0 or Infinity disables the limiter. When `maxKeys` keys are held, a new key first
 * sweeps out expired windows; if every window is still live the new key is refused (counted as
 * over its limit): failing closed keeps memory bounded and never resets a live counter, which
 * evicting one would (an attacker could flush a victim's count with a flood of other keys).
 */
export function createFixedWindowLimiter(
  limit: number,
  windowMs: number,
  maxKeys: number = DEFAULT_RATE_LIMIT_MAX_KEYS,
): FixedWindowLimiter {
  const windows = new Map<string, { start: number; used: number }>()
  // No window expires before this time, so a full map is not swept again until then (a flood
  // of new keys at the cap would otherwise cost a full sweep each).
  let nothingExpiresBefore = -Infinity
  return {
    tryConsume(key, now) {
      if (!(limit > 0) || limit === Infinity) return true
      let entry = windows.get(key)
      if (entry === undefined) {
        if (windows.size >= maxKeys) {
          if (now >= nothingExpiresBefore) sweep(now)
          if (windows.size >= maxKeys) return false
        }
        entry = { start: now, used: 0 }
        windows.set(key, entry)
      } else if (now - entry.start >= windowMs) {
        entry.start = now
        entry.used = 0
      }
      if (entry.used >= limit) return false
      entry.used++
      return true
    },
    get size() {
      return windows.size
    },
  }

  function sweep(now: number): void {
    let oldestLive = Infinity
    for (const [key, entry] of windows) {
      if (now - entry.start >= windowMs) windows.delete(key)
      else if (entry.start < oldestLive) oldestLive = entry.start
    }
    nothingExpiresBefore = oldestLive + windowMs
  }
}
