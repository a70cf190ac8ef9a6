/**
 * Counters for metrics: how the verification cache and the upstream calls of one `db` are doing.
 * Every middleware and router built for the same `db` object adds to the same counters (they
 * also share one cache per cache configuration), so `instantStats(db)` is the process's view of
 * that db. Counting is a few integer increments on paths that already run.
 */

/** What {@link instantStats} returns: one snapshot, plain numbers. */
export interface InstantStats {
  /** Tokens in the verification caches of this db (valid and invalid entries). */
  cacheSize: number
  /** Sum of those caches' `max`. */
  cacheMax: number
  /** Requests answered from the cache (valid or invalid). */
  cacheHits: number
  /** Requests the cache could not answer (a verification followed, or joined one in flight). */
  cacheMisses: number
  /** Verifications waiting for Instant right now. */
  inflight: number
  /** Verifications sent to Instant (one per token however many requests waited for it). */
  verifications: number
  /** Verifications that failed upstream (outage, timeout, misconfiguration), not bad tokens. */
  upstreamFailures: number
}

/** The mutable counters the verifier increments. */
interface StatsCounters {
  cacheHits: number
  cacheMisses: number
  verifications: number
  upstreamFailures: number
}

/** A cache and in-flight table of the db: read when a snapshot is taken. */
interface StatsSource {
  cacheSize(): number
  cacheMax: number
  inflight(): number
}

interface DbStats {
  counters: StatsCounters
  sources: StatsSource[]
}

const registry = new WeakMap<object, DbStats>()

function entry(db: object): DbStats {
  let stats = registry.get(db)
  if (stats === undefined) {
    stats = {
      counters: { cacheHits: 0, cacheMisses: 0, verifications: 0, upstreamFailures: 0 },
      sources: [],
    }
    registry.set(db, stats)
  }
  return stats
}

/** The counters of `db`, created on first use. */
export function statsCounters(db: object): StatsCounters {
  return entry(db).counters
}

/** Adds a cache and in-flight table of `db` to its snapshots. */
export function addStatsSource(db: object, source: StatsSource): void {
  entry(db).sources.push(source)
}

/**
 * A snapshot of the verification cache and upstream counters for `db` (all zeros for a db no
 * middleware or router was built with). Export it to your metrics system.
 *
 * @example
 * ```ts
 * setInterval(() => {
 *   const s = instantStats(db)
 *   gauge('auth_cache_size', s.cacheSize); counter('auth_upstream_failures', s.upstreamFailures)
 * }, 10_000).unref()
 * ```
 */
export function instantStats(db: object): InstantStats {
  const stats = registry.get(db)
  if (stats === undefined) {
    return {
      cacheSize: 0,
      cacheMax: 0,
      cacheHits: 0,
      cacheMisses: 0,
      inflight: 0,
      verifications: 0,
      upstreamFailures: 0,
    }
  }
  let cacheSize = 0
  let cacheMax = 0
  let inflight = 0
  for (const source of stats.sources) {
    cacheSize += source.cacheSize()
    cacheMax += source.cacheMax
    inflight += source.inflight()
  }
  return { cacheSize, cacheMax, inflight, ...stats.counters }
}
