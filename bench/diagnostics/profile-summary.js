// @ts-check
// Summarises a V8 `.cpuprofile` (from `BENCH_PROFILE=1 npm run bench`): self time by function and
// by package, and the inclusive time of functions whose name matches a filter.
// Usage: node bench/diagnostics/profile-summary.js <file.cpuprofile> [top] [function-name-regexp]
import { readFileSync } from 'node:fs'

const file = process.argv[2]
const top = Number(process.argv[3] ?? 25)
const filter = process.argv[4] === undefined ? undefined : new RegExp(process.argv[4])
if (!file) {
  process.stderr.write('usage: node bench/diagnostics/profile-summary.js <file.cpuprofile> [top]\n')
  process.exit(2)
}

/**
 * @typedef {{ functionName: string, url: string, lineNumber: number }} CallFrame
 * @typedef {{ id: number, callFrame: CallFrame, children?: number[] }} ProfileNode
 * @type {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[] }}
 */
const profile = JSON.parse(readFileSync(file, 'utf8'))

/** @type {Map<number, ProfileNode>} */
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
/** @type {Map<number, number>} */
const selfUs = new Map()
let totalUs = 0
for (let i = 0; i < profile.samples.length; i++) {
  const id = /** @type {number} */ (profile.samples[i])
  const dt = profile.timeDeltas[i] ?? 0
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
  totalUs += dt
}

/** @param {string} url */
function packageOf(url) {
  if (!url) return '(native/V8)'
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0]
  const nm = url.lastIndexOf('/node_modules/')
  if (nm !== -1) {
    const rest = url.slice(nm + 14).split('/')
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url)
  }
  const dist = url.indexOf('/dist/')
  if (dist !== -1) return 'kit:' + url.slice(dist + 6).split('/')[0]
  const bench = url.indexOf('/bench/')
  if (bench !== -1) return 'bench'
  return url
}

/** @type {Map<string, number>} */
const byFn = new Map()
/** @type {Map<string, number>} */
const byPkg = new Map()
for (const [id, us] of selfUs) {
  const node = byId.get(id)
  if (!node) continue
  const { functionName, url, lineNumber } = node.callFrame
  const short = url.replace(/^.*\/(node_modules|dist|bench)\//, '$1/')
  const key = `${functionName || '(anonymous)'}  ${short}${url ? `:${lineNumber + 1}` : ''}`
  byFn.set(key, (byFn.get(key) ?? 0) + us)
  const pkg = packageOf(url)
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us)
}

/** @param {Map<string, number>} map @param {number} n */
function print(map, n) {
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    process.stdout.write(
      `${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}\n`,
    )
  }
}

process.stdout.write(`${file}: ${(totalUs / 1e6).toFixed(2)} s sampled\n\nself time by package:\n`)
print(byPkg, 15)
process.stdout.write(`\nself time by function (top ${top}):\n`)
print(byFn, top)

if (filter !== undefined) {
  // Inclusive time: a node's self time plus its descendants', counted once per matching frame
  // on the path (recursion is not double-counted).
  /** @type {Map<number, number>} */
  const parentOf = new Map()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id)
  /** @type {Map<string, number>} */
  const inclusive = new Map()
  for (const [id, us] of selfUs) {
    /** @type {Set<string>} */
    const seen = new Set()
    for (
      let cur = /** @type {number | undefined} */ (id);
      cur !== undefined;
      cur = parentOf.get(cur)
    ) {
      const node = byId.get(cur)
      if (!node) break
      const { functionName, url, lineNumber } = node.callFrame
      if (!filter.test(functionName)) continue
      const short = url.replace(/^.*\/(node_modules|dist|bench)\//, '$1/')
      const key = `${functionName}  ${short}:${lineNumber + 1}`
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + us)
    }
  }
  process.stdout.write(`\ninclusive time of functions matching ${filter}:\n`)
  print(inclusive, top)
}
