// @ts-check
// Where a process's memory sits, for the soak (soak.js): one sample after a full GC, in MB.
//   - process.memoryUsage(): rss, heapTotal (V8's reserved heap), heapUsed (live objects after
//     the GC), external and arrayBuffers (off-heap buffers: sockets, undici, Buffers);
//   - v8.getHeapSpaceStatistics() per space: size (reserved), used, physical (resident);
//   - /proc/self/status on Linux: RssAnon (heap, malloc) and RssFile (mapped code and files),
//     so "native" can be told apart from pages the kernel maps in lazily from node's binary;
//   - native = rss - V8 heap physical - external - RssFile: what the C/C++ side keeps
//     (glibc malloc arenas, their fragmentation, libuv, OpenSSL, the zone allocator).
import { readFileSync } from 'node:fs'
import v8 from 'node:v8'

const MB = 1024 * 1024
const round = (/** @type {number} */ bytes) => Number((bytes / MB).toFixed(1))

/** The spaces worth reporting (the others are empty or constant in an app like this). */
const SPACES = /** @type {const} */ ({
  new: 'new_space',
  old: 'old_space',
  code: 'code_space',
  lo: 'large_object_space',
  newLo: 'new_large_object_space',
})

/** @returns {{ rssAnon: number, rssFile: number } | null} bytes, or null off Linux */
function procStatus() {
  try {
    const text = readFileSync('/proc/self/status', 'utf8')
    const kb = (/** @type {string} */ key) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024
    return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile') }
  } catch {
    return null
  }
}

/**
 * One memory sample; call it right after `gc()`.
 * @param {number} atS seconds since the soak began
 */
export function sampleMemory(atS) {
  const mem = process.memoryUsage()
  const spaces = v8.getHeapSpaceStatistics()
  /** @type {Record<string, { size: number, used: number, physical: number }>} */
  const bySpace = {}
  let heapPhysical = 0
  for (const s of spaces) heapPhysical += s.physical_space_size
  for (const [key, name] of Object.entries(SPACES)) {
    const s = spaces.find((x) => x.space_name === name)
    if (s) {
      bySpace[key] = {
        size: round(s.space_size),
        used: round(s.space_used_size),
        physical: round(s.physical_space_size),
      }
    }
  }
  const proc = procStatus()
  return {
    atS: Number(atS.toFixed(1)),
    rss: round(mem.rss),
    heapTotal: round(mem.heapTotal),
    heapUsed: round(mem.heapUsed),
    heapPhysical: round(heapPhysical),
    external: round(mem.external),
    arrayBuffers: round(mem.arrayBuffers),
    rssAnon: proc ? round(proc.rssAnon) : null,
    rssFile: proc ? round(proc.rssFile) : null,
    native: round(mem.rss - heapPhysical - mem.external - (proc?.rssFile ?? 0)),
    spaces: bySpace,
  }
}

/** @typedef {ReturnType<typeof sampleMemory>} MemorySample */

/**
 * The growth of every figure between two samples, in MB (spaces: physical only).
 * @param {MemorySample} a @param {MemorySample} b
 */
export function memoryGrowth(a, b) {
  /** @type {Record<string, number | null>} */
  const out = {}
  for (const key of /** @type {const} */ ([
    'rss',
    'heapTotal',
    'heapUsed',
    'heapPhysical',
    'external',
    'arrayBuffers',
    'rssAnon',
    'rssFile',
    'native',
  ])) {
    const x = a[key]
    const y = b[key]
    out[key] = x === null || y === null ? null : Number((y - x).toFixed(1))
  }
  for (const key of Object.keys(SPACES)) {
    const x = a.spaces[key]
    const y = b.spaces[key]
    if (x && y) out[`${key}Space`] = Number((y.physical - x.physical).toFixed(1))
  }
  return out
}
