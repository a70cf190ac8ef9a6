// @ts-check
// The environment knobs every section reads (bench/README.md lists them all). Read once, here,
// so that a wrong value fails before anything starts.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** bench/ itself: scripts are named relative to it. */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
export const RESULTS_DIR = join(BENCH_DIR, 'results')

/**
 * @param {string} name
 * @param {number} fallback
 */
export function intEnv(name, fallback) {
  const raw = process.env[name]
  const n = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isFinite(n) || n < 0) throw new TypeError(`${name} must be a number, got ${raw}`)
  return n
}

/**
 * The items of `known` that the comma-separated list in variable `name` names, in `known`'s
 * order; a name not in `known` throws.
 * @template T
 * @param {string} name @param {T[]} known @param {(item: T) => string} nameOf
 * @returns {T[] | undefined} undefined when the variable is unset
 */
export function selectedByEnv(name, known, nameOf) {
  const only = process.env[name]?.split(',').filter(Boolean)
  if (only === undefined) return undefined
  for (const wanted of only) {
    if (!known.some((item) => nameOf(item) === wanted)) {
      throw new TypeError(
        `${name}: unknown ${JSON.stringify(wanted)}; known: ${known.map(nameOf).join(', ')}`,
      )
    }
  }
  return known.filter((item) => only.includes(nameOf(item)))
}

export const ROUNDS = intEnv('BENCH_ROUNDS', 3)
export const DURATION_S = intEnv('BENCH_DURATION', 3)
export const WARMUP_S = intEnv('BENCH_WARMUP', 1)
export const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 50)

const PROFILE = process.env.BENCH_PROFILE ?? ''
/** `--cpu-prof` for the apps under test (BENCH_PROFILE=1, app or all). */
export const PROFILE_APP = ['1', 'app', 'all', 'true'].includes(PROFILE)
/** `--cpu-prof` for Local Instant (BENCH_PROFILE=local or all). */
export const PROFILE_LOCAL = ['local', 'all'].includes(PROFILE)
/** Node flags for the apps under test (BENCH_APP_FLAGS='--single-threaded-gc'). */
export const APP_NODE_FLAGS = (process.env.BENCH_APP_FLAGS ?? '').split(' ').filter(Boolean)
