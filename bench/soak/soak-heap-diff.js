// @ts-check
// Diffs two V8 heap snapshots by constructor (`node bench/soak/soak-heap-diff.js a.heapsnapshot
// b.heapsnapshot [rows]`): for each node type and name, how many objects and bytes (self size)
// each snapshot holds, sorted by the growth in bytes. The soak writes its two snapshots, at the
// first memory sample and at the end, with SOAK_HEAP_SNAPSHOTS=<dir>; what a leak of ours would
// look like here is a constructor of the kit (or Map/closure/Promise counts) growing with load.
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

/**
 * Objects and bytes (self size) per node type and constructor in one parsed heap snapshot.
 * @param {any} snap the JSON of a `.heapsnapshot` file
 * @returns {Map<string, { count: number, bytes: number }>}
 */
export function countByConstructor(snap) {
  const fields = /** @type {string[]} */ (snap.snapshot.meta.node_fields)
  const types = /** @type {string[]} */ (snap.snapshot.meta.node_types[0])
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const nodes = /** @type {number[]} */ (snap.nodes)
  const strings = /** @type {string[]} */ (snap.strings)
  /** @type {Map<string, { count: number, bytes: number }>} */
  const out = new Map()
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[/** @type {number} */ (nodes[i + typeAt])] ?? '?'
    // Strings and numbers are named by their content: group them by type only.
    const named = type === 'object' || type === 'closure' || type === 'native' || type === 'hidden'
    const key = named ? `${type} ${strings[/** @type {number} */ (nodes[i + nameAt])]}` : type
    const row = out.get(key) ?? { count: 0, bytes: 0 }
    row.count++
    row.bytes += /** @type {number} */ (nodes[i + sizeAt])
    out.set(key, row)
  }
  return out
}

/**
 * Every constructor of either count, largest growth in bytes (either sign) first.
 * @param {Map<string, { count: number, bytes: number }>} a
 * @param {Map<string, { count: number, bytes: number }>} b
 */
export function diffCounts(a, b) {
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((key) => {
    const x = a.get(key) ?? { count: 0, bytes: 0 }
    const y = b.get(key) ?? { count: 0, bytes: 0 }
    return { key, countA: x.count, countB: y.count, bytesA: x.bytes, bytesB: y.bytes }
  })
  rows.sort((p, q) => Math.abs(q.bytesB - q.bytesA) - Math.abs(p.bytesB - p.bytesA))
  return rows
}

async function main() {
  const [fileA, fileB, rowsArg] = process.argv.slice(2)
  if (!fileA || !fileB) {
    throw new Error('usage: node bench/soak/soak-heap-diff.js a.heapsnapshot b.heapsnapshot [rows]')
  }
  const a = countByConstructor(JSON.parse(readFileSync(fileA, 'utf8')))
  const b = countByConstructor(JSON.parse(readFileSync(fileB, 'utf8')))
  const total = (/** @type {Map<string, { bytes: number }>} */ m) =>
    [...m.values()].reduce((sum, r) => sum + r.bytes, 0)
  process.stdout.write(
    `total self size: ${(total(a) / 1024).toFixed(0)} KB -> ${(total(b) / 1024).toFixed(0)} KB\n` +
      `${'bytes Δ'.padStart(10)} ${'count A'.padStart(8)} ${'count B'.padStart(8)}  constructor\n`,
  )
  for (const r of diffCounts(a, b).slice(0, Number(rowsArg ?? 30))) {
    process.stdout.write(
      `${String(r.bytesB - r.bytesA).padStart(10)} ${String(r.countA).padStart(8)} ${String(r.countB).padStart(8)}  ${r.key}\n`,
    )
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
