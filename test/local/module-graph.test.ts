import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/local')
const IMPORT = /(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g

/** Every .ts file under src/local → the local files it imports (type-only imports included). */
function moduleGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (path.endsWith('.ts')) {
        const deps = [...readFileSync(path, 'utf8').matchAll(IMPORT)].map((m) =>
          resolve(dirname(path), (m[1] as string).replace(/\.js$/, '.ts')),
        )
        graph.set(path, deps)
      }
    }
  }
  walk(ROOT)
  return graph
}

describe('Local Instant module graph', () => {
  const graph = moduleGraph()
  const rel = (p: string) => relative(ROOT, p)

  it('no module in a subfolder imports its own folder barrel', () => {
    const offenders: string[] = []
    for (const [file, deps] of graph) {
      const dir = dirname(file)
      if (dir === ROOT || file.endsWith('/index.ts')) continue
      if (deps.includes(join(dir, 'index.ts'))) offenders.push(rel(file))
    }
    expect(offenders).toEqual([])
  })

  it('has no import cycles, type-only ones included', () => {
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const stack: string[] = []
    const visit = (node: string): void => {
      state.set(node, 'open')
      stack.push(node)
      for (const dep of graph.get(node) ?? []) {
        if (!graph.has(dep)) continue
        if (state.get(dep) === 'open') {
          cycles.push(stack.slice(stack.indexOf(dep)).map(rel).join(' -> '))
        } else if (!state.has(dep)) visit(dep)
      }
      stack.pop()
      state.set(node, 'done')
    }
    for (const node of graph.keys()) if (!state.has(node)) visit(node)
    expect(cycles).toEqual([])
  })

  it('no two modules define a function named fail', () => {
    const defining = [...graph.keys()].filter((f) =>
      /\b(?:function\s+fail\s*\(|const\s+fail\s*=)/.test(readFileSync(f, 'utf8')),
    )
    expect(defining.map(rel)).toEqual([])
  })
})
