// The soak's memory accounting (bench/soak/soak-memory.js) and heap-snapshot diff
// (bench/soak/soak-heap-diff.js): the figures docs/performance.md reads the RSS growth from.
import { describe, expect, it } from 'vitest'

// The bench is plain JavaScript (checked with @ts-check, not compiled): imported by URL, typed
// here by the shapes these tests rely on.
interface Space {
  size: number
  used: number
  physical: number
}
interface Sample {
  atS: number
  rss: number
  heapTotal: number
  heapUsed: number
  heapPhysical: number
  external: number
  arrayBuffers: number
  rssAnon: number | null
  rssFile: number | null
  native: number
  spaces: Record<string, Space>
}
type Counts = Map<string, { count: number; bytes: number }>
interface DiffRow {
  key: string
  countA: number
  countB: number
  bytesA: number
  bytesB: number
}
const bench = (name: string): string => new URL(`../../bench/soak/${name}`, import.meta.url).href
const { memoryGrowth, sampleMemory } = (await import(bench('soak-memory.js'))) as {
  sampleMemory(atS: number): Sample
  memoryGrowth(a: Sample, b: Sample): Record<string, number | null>
}
const { countByConstructor, diffCounts } = (await import(bench('soak-heap-diff.js'))) as {
  countByConstructor(snapshot: unknown): Counts
  diffCounts(a: Counts, b: Counts): DiffRow[]
}

describe('sampleMemory', () => {
  it('splits RSS into V8 heap, external, mapped files and native memory, in MB', () => {
    const s = sampleMemory(12.34)
    expect(s.atS).toBe(12.3)
    expect(s.heapUsed).toBeGreaterThan(0)
    expect(s.heapUsed).toBeLessThanOrEqual(s.heapTotal)
    expect(s.heapPhysical).toBeLessThanOrEqual(s.heapTotal + 0.1)
    expect(s.external).toBeGreaterThanOrEqual(s.arrayBuffers)
    expect(Object.keys(s.spaces).sort()).toEqual(['code', 'lo', 'new', 'newLo', 'old'])
    for (const space of Object.values(s.spaces)) {
      expect(space.used).toBeLessThanOrEqual(space.size + 0.1)
    }
    if (process.platform === 'linux') {
      expect(s.rssFile).toBeGreaterThan(0)
      // native is what is left of RSS once the heap, external buffers and mapped files are out.
      expect(s.native).toBeCloseTo(s.rss - s.heapPhysical - s.external - (s.rssFile ?? 0), 0)
    }
  })
})

describe('memoryGrowth', () => {
  const base = {
    atS: 10,
    rss: 100,
    heapTotal: 50,
    heapUsed: 15,
    heapPhysical: 49.5,
    external: 3.8,
    arrayBuffers: 0.2,
    rssAnon: 55,
    rssFile: 45,
    native: 1.7,
    spaces: {
      new: { size: 32, used: 1, physical: 32 },
      old: { size: 16, used: 13, physical: 16 },
    },
  }
  it('subtracts every figure and each space physical size, to 0.1 MB', () => {
    const later = {
      ...base,
      atS: 60,
      rss: 104.7,
      heapTotal: 52.5,
      heapUsed: 14.9,
      heapPhysical: 52,
      rssAnon: 59.7,
      native: 3.4,
      spaces: { ...base.spaces, old: { size: 18.5, used: 13.1, physical: 18.5 } },
    }
    expect(memoryGrowth(base, later)).toEqual({
      rss: 4.7,
      heapTotal: 2.5,
      heapUsed: -0.1,
      heapPhysical: 2.5,
      external: 0,
      arrayBuffers: 0,
      rssAnon: 4.7,
      rssFile: 0,
      native: 1.7,
      newSpace: 0,
      oldSpace: 2.5,
    })
  })
  it('leaves a figure off Linux as null rather than a false zero', () => {
    const off = { ...base, rssAnon: null, rssFile: null }
    const g = memoryGrowth(off, off)
    expect(g.rssAnon).toBeNull()
    expect(g.rssFile).toBeNull()
  })
})

describe('heap snapshot diff', () => {
  // The shape of a .heapsnapshot file, cut down to the fields the diff reads.
  const snapshot = (nodes: number[][], strings: string[]) => ({
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
        node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure']],
      },
    },
    nodes: nodes.flat(),
    strings,
  })
  const strings = ['Map', 'Promise', 'hello', 'onRequest']
  const first = snapshot(
    [
      [3, 0, 1, 80, 0],
      [3, 1, 3, 40, 0],
      [2, 2, 5, 24, 0],
      [5, 3, 7, 32, 0],
    ],
    strings,
  )
  const later = snapshot(
    [
      [3, 0, 1, 80, 0],
      [3, 0, 9, 80, 0],
      [3, 0, 11, 80, 0],
      [2, 2, 5, 24, 0],
      [5, 3, 7, 32, 0],
    ],
    strings,
  )

  it('counts objects and self size per type and constructor; strings by type only', () => {
    const counts = countByConstructor(later)
    expect(Object.fromEntries(counts)).toEqual({
      'object Map': { count: 3, bytes: 240 },
      string: { count: 1, bytes: 24 },
      'closure onRequest': { count: 1, bytes: 32 },
    })
  })

  it('lists the largest growth first, including constructors only one snapshot has', () => {
    const rows = diffCounts(countByConstructor(first), countByConstructor(later))
    expect(rows.map((r) => [r.key, r.countA, r.countB, r.bytesB - r.bytesA])).toEqual([
      ['object Map', 1, 3, 160],
      ['object Promise', 1, 0, -40],
      ['string', 1, 1, 0],
      ['closure onRequest', 1, 1, 0],
    ])
  })
})
