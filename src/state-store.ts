/**
 * What the kit remembers between requests (issued magic codes, their attempt counters, daily
 * ceilings) lives behind this small interface. Every operation is one Redis does atomically
 * (INCR + PEXPIRE NX, SET PX, GET, GETDEL, DEL), so a shared store for apps with several
 * instances needs no locks. The default is {@link memoryStore}: one process, bounded, expiring.
 */
import { MEMORY_STORE } from './errors/brands.js'
import { checkOptionKeys } from './options/keys.js'
import { resolvePositiveInt } from './options/numbers.js'
import { optionError } from './options/option-error.js'

/** A key-value store with expiry and atomic counters. Keys are the kit's own (`iea:` prefix). */
export interface StateStore {
  /**
   * Fixed-window counter: adds 1 to `key` and returns the new count. The window (`windowMs`)
   * starts at the first hit and is not extended by later ones; `resetAt` is when it ends (ms
   * since the epoch). A counter reads back with `get` as its decimal count.
   */
  hit(key: string, windowMs: number): Promise<{ count: number; resetAt: number }>
  /** Sets `key` to `value` (replacing any value or counter), expiring after `ttlMs`. */
  put(key: string, value: string, ttlMs: number): Promise<void>
  /** The value of `key`, or `undefined` when missing or expired. */
  get(key: string): Promise<string | undefined>
  /** Atomic get-and-delete (Redis GETDEL): of concurrent calls, one gets the value. */
  take(key: string): Promise<string | undefined>
  /** Removes `key` (no error when missing). */
  delete(key: string): Promise<void>

  // Optional capabilities of a store shared by several processes (Redis): see shared-state.ts.
  /** True when other processes see this store's keys: verification results are shared through it. */
  readonly shared?: boolean
  /** An express-rate-limit store whose counters live in this store, under `prefix`. */
  rateLimitStore?(prefix: string): RateLimitCounterStore
  /** Sends `message` to every subscriber of `channel`, in every process (this one included). */
  publish?(channel: string, message: string): Promise<void>
  /** Calls `listener` for every message on `channel`; returns the unsubscribe function. */
  subscribe?(channel: string, listener: (message: string) => void): () => void
}

/**
 * What express-rate-limit asks of a store (its `Store` interface, written out here so the
 * state store and the Redis store need no express-rate-limit types).
 */
export interface RateLimitCounterStore {
  readonly prefix?: string
  /** False: counters are shared between processes, so express-rate-limit's per-process checks are off. */
  readonly localKeys: boolean
  init(options: { windowMs: number }): void
  get(key: string): Promise<{ totalHits: number; resetTime: Date | undefined } | undefined>
  increment(key: string): Promise<{ totalHits: number; resetTime: Date | undefined }>
  decrement(key: string): Promise<void>
  resetKey(key: string): Promise<void>
}

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most keys held at once. Past it, expired keys go first, then the oldest plain values, then
   * the oldest counters. Default 100,000.
   */
  maxKeys?: number
}

/**
 * Default bound of {@link memoryStore}, in keys: about 27 MB of heap with the kit's records and
 * counters (bench/memory/state-store-memory.js).
 */
const DEFAULT_MEMORY_STORE_MAX_KEYS = 100_000

/** A full store sweeps expired keys at most this often, in ms; between sweeps it drops the oldest. */
const SWEEP_INTERVAL_MS = 1_000

/**
 * Marks the stores {@link memoryStore} makes. `Symbol.for`, so two copies of the package agree;
 * non-enumerable, so a wrapper spread from a memory store (`{ ...memoryStore(), get }`, which
 * may send its keys anywhere) is not taken for one.
 */

interface Entry {
  value: string
  expiresAt: number
  /** Set for counters: the count, so `hit` needs no parse. */
  count?: number
}

/**
 * The default {@link StateStore}: maps in this process. Expiry is checked on access, so no
 * timer keeps the process alive; at `maxKeys` it sweeps expired keys, then drops the oldest
 * plain values, and counters only when no value is left.
 * Apps with several instances need a shared store (each instance would otherwise remember only
 * the codes it issued).
 *
 * @example
 * ```ts
 * const store = memoryStore({ maxKeys: 50_000 })
 * app.use(magicCodeRouter({ db, sendEmail, store }))
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): StateStore {
  if (typeof options !== 'object' || options === null) {
    throw optionError('memoryStore', 'options', 'be an object like { maxKeys }', options)
  }
  checkOptionKeys(options, { maxKeys: true }, 'memoryStore')
  const maxKeys = resolvePositiveInt(options.maxKeys, {
    factory: 'memoryStore',
    option: 'maxKeys',
    default: DEFAULT_MEMORY_STORE_MAX_KEYS,
  })
  // Two maps so that a full store drops plain values (issued codes: forgetting one only
  // invalidates it) before counters (forgetting one would hand back a spent budget).
  const values = new Map<string, Entry>()
  const counters = new Map<string, Entry>()
  let lastSweep = 0

  function live(key: string, now: number): Entry | undefined {
    const entry = values.get(key) ?? counters.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt > now) return entry
    values.delete(key)
    counters.delete(key)
    return undefined
  }

  function set(key: string, entry: Entry, now: number): void {
    // Re-inserted so that Map order is the order of last write: the oldest goes first.
    values.delete(key)
    counters.delete(key)
    if (values.size + counters.size >= maxKeys) makeRoom(now)
    ;(entry.count === undefined ? values : counters).set(key, entry)
  }

  function makeRoom(now: number): void {
    if (now - lastSweep >= SWEEP_INTERVAL_MS) {
      lastSweep = now
      for (const map of [values, counters]) {
        for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key)
      }
    }
    for (const map of [values, counters]) {
      for (const key of map.keys()) {
        if (values.size + counters.size < maxKeys) return
        map.delete(key)
      }
    }
  }

  const store: StateStore = {
    async hit(key, windowMs) {
      const now = Date.now()
      const entry = live(key, now)
      if (entry?.count !== undefined) {
        entry.count += 1
        entry.value = String(entry.count)
        return { count: entry.count, resetAt: entry.expiresAt }
      }
      const expiresAt = now + windowMs
      set(key, { value: '1', count: 1, expiresAt }, now)
      return { count: 1, resetAt: expiresAt }
    },
    async put(key, value, ttlMs) {
      const now = Date.now()
      set(key, { value, expiresAt: now + ttlMs }, now)
    },
    async get(key) {
      return live(key, Date.now())?.value
    },
    async take(key) {
      const value = live(key, Date.now())?.value
      values.delete(key)
      counters.delete(key)
      return value
    },
    async delete(key) {
      values.delete(key)
      counters.delete(key)
    },
  }
  return Object.defineProperty(store, MEMORY_STORE, { value: true })
}

/**
 * True for a store made by {@link memoryStore}: its keys never leave this process, so nothing
 * outside it can read them.
 */
export function isMemoryStore(store: StateStore): boolean {
  return (store as { [MEMORY_STORE]?: unknown })[MEMORY_STORE] === true
}

/** True when `value` has the five methods of a {@link StateStore}. */
function isStateStore(value: unknown): value is StateStore {
  if (typeof value !== 'object' || value === null) return false
  const store = value as Record<string, unknown>
  return ['hit', 'put', 'get', 'take', 'delete'].every((name) => typeof store[name] === 'function')
}

/** Validates a factory's `store` option once; `undefined` gets a fresh {@link memoryStore}. */
export function resolveStateStore(value: unknown, factory: string): StateStore {
  if (value === undefined) return memoryStore()
  if (!isStateStore(value)) {
    throw optionError(
      factory,
      'store',
      'be a state store with hit, put, get, take and delete (e.g. memoryStore())',
      value,
    )
  }
  return value
}
