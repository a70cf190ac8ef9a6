/**
 * The plan of `src/`, read from its imports (type-only ones included): shared floors that import
 * only downward, feature folders that never import each other, and the few places that may load
 * Express, helmet, express-rate-limit or undici.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src')
const IMPORT = /(?:import|export)(?:[^'"]*?from)?\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g

/** The floors, lowest first: a module may import its own floor and the ones below. */
const FLOORS = ['errors', 'options', 'instant', 'state-store.ts', 'http', 'verification']
/** Features: each may import any floor, and nothing of another feature. */
const FEATURES = [
  'require-user',
  'magic-code',
  'sign-in',
  'sign-out',
  'migrate-token',
  'error-handler.ts',
  'check-instant.ts',
  'admin',
  'email',
  'redis',
  'local',
  'testing',
  'demo',
]

interface Module {
  /** Path under src/, `/`-separated. */
  file: string
  /** Local imports, as paths under src/. */
  local: string[]
  /** Package imports, as written (`express`, `undici/lib/…`). */
  packages: string[]
}

function readModules(): Module[] {
  const modules: Module[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const local: string[] = []
        const packages: string[] = []
        for (const m of readFileSync(path, 'utf8').matchAll(IMPORT)) {
          const spec = (m[1] ?? m[2]) as string
          if (spec.startsWith('.')) {
            local.push(relative(SRC, resolve(dirname(path), spec.replace(/\.js$/, '.ts'))))
          } else packages.push(spec)
        }
        modules.push({ file: relative(SRC, path), local, packages })
      }
    }
  }
  walk(SRC)
  return modules
}

/** The top-level entry of a path under src/: `http/cookie.ts` → `http`, `index.ts` → itself. */
const unit = (file: string): string => file.split('/')[0] as string
const packageName = (spec: string): string =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string)

describe('src/ layout', () => {
  const modules = readModules()

  it('knows every top-level folder and file', () => {
    const units = new Set(modules.map((m) => unit(m.file)))
    const known = new Set([...FLOORS, ...FEATURES, 'index.ts'])
    expect([...units].filter((u) => !known.has(u))).toEqual([])
  })

  it('floors import only their own floor and the ones below', () => {
    const offenders: string[] = []
    for (const m of modules) {
      const level = FLOORS.indexOf(unit(m.file))
      if (level < 0) continue
      for (const dep of m.local) {
        const depLevel = FLOORS.indexOf(unit(dep))
        if (depLevel < 0 || depLevel > level) offenders.push(`${m.file} -> ${dep}`)
      }
    }
    expect(offenders).toEqual([])
  })

  it('features never import another feature', () => {
    const offenders: string[] = []
    for (const m of modules) {
      const own = unit(m.file)
      if (!FEATURES.includes(own)) continue
      for (const dep of m.local) {
        const other = unit(dep)
        // The demo is an app of the package: it uses the public entry points, as users do.
        if (own === 'demo' && (other === 'index.ts' || FEATURES.includes(other))) continue
        // The testing entry is built on Local Instant and the admin client.
        if (own === 'testing' && (other === 'local' || other === 'admin')) continue
        if (other !== own && !FLOORS.includes(other)) offenders.push(`${m.file} -> ${dep}`)
      }
    }
    expect(offenders).toEqual([])
  })

  it('only http/, require-user/ and error-handler.ts import express, helmet or express-rate-limit', () => {
    const allowed = new Set(['http', 'require-user', 'error-handler.ts', 'demo'])
    const offenders = modules.flatMap((m) =>
      m.packages
        .filter((p) => ['express', 'helmet', 'express-rate-limit'].includes(packageName(p)))
        .filter(() => !allowed.has(unit(m.file)))
        .map((p) => `${m.file} -> ${p}`),
    )
    expect(offenders).toEqual([])
  })

  it('only admin/ and the email HTTP provider import undici', () => {
    const offenders = modules.flatMap((m) =>
      m.packages
        .filter((p) => packageName(p) === 'undici')
        .filter(() => unit(m.file) !== 'admin' && m.file !== 'email/http-provider.ts')
        .map((p) => `${m.file} -> ${p}`),
    )
    expect(offenders).toEqual([])
  })

  it('local/ imports only itself, options/ and errors/', () => {
    const offenders = modules
      .filter((m) => unit(m.file) === 'local')
      .flatMap((m) =>
        m.local
          .filter((dep) => !['local', 'options', 'errors'].includes(unit(dep)))
          .map((dep) => `${m.file} -> ${dep}`),
      )
    expect(offenders).toEqual([])
  })

  it('has no import cycles, type-only ones included', () => {
    const graph = new Map(modules.map((m) => [m.file, m.local]))
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const stack: string[] = []
    const visit = (node: string): void => {
      state.set(node, 'open')
      stack.push(node)
      for (const dep of graph.get(node) ?? []) {
        if (!graph.has(dep)) continue
        if (state.get(dep) === 'open')
          cycles.push([...stack.slice(stack.indexOf(dep)), dep].join(' -> '))
        else if (!state.has(dep)) visit(dep)
      }
      stack.pop()
      state.set(node, 'done')
    }
    for (const node of graph.keys()) if (!state.has(node)) visit(node)
    expect(cycles).toEqual([])
  })

  it('the public entry points export no default constants (defaults are stated in TSDoc)', async () => {
    const entries = {
      '.': await import('../src/index.js'),
      admin: await import('../src/admin/index.js'),
      email: await import('../src/email/index.js'),
      redis: await import('../src/redis/index.js'),
      local: await import('../src/local/index.js'),
      testing: await import('../src/testing/index.js'),
    }
    const constants = Object.entries(entries).flatMap(([entry, exports]) =>
      Object.keys(exports)
        .filter((name) => /^(DEFAULT|MAX|MIN)_/.test(name))
        .map((name) => `${entry}: ${name}`),
    )
    expect(constants).toEqual([])
  })

  it('reads the imports it checks', () => {
    // The checks above pass on an empty graph: make sure the reader sees real edges.
    const index = modules.find((m) => m.file === 'index.ts')
    expect(index?.local).toContain('require-user/index.ts')
    const respond = modules.find((m) => m.file === 'http/respond.ts')
    expect(respond?.packages).toContain('helmet')
  })
})
