// Module hooks that let a plain `node` child process run the kit's TypeScript sources (Node 20
// has no type stripping): `.js` specifiers resolve to the `.ts` file beside them, and `.ts`
// files are transpiled one by one with TypeScript (no type check, no bundle). Output is cached
// on disk by path, size and mtime, so the second process of a test starts in a fraction.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { readFile, stat, writeFile, rename } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CACHE_DIR = join(tmpdir(), 'iea-ts-hooks-cache')
mkdirSync(CACHE_DIR, { recursive: true })
/** @type {Promise<typeof import('typescript')> | undefined} */
let typescript

export async function resolve(specifier, context, nextResolve) {
  if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL)
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true }
  }
  return nextResolve(specifier, context)
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context)
  const path = fileURLToPath(url)
  const { size, mtimeMs } = await stat(path)
  const key = createHash('sha256').update(`${path}|${size}|${mtimeMs}`).digest('hex')
  const cached = join(CACHE_DIR, `${key}.js`)
  try {
    return { format: 'module', source: await readFile(cached, 'utf8'), shortCircuit: true }
  } catch {
    // Not cached yet.
  }
  typescript ??= import('typescript').then((module) => module.default)
  const ts = await typescript
  const { outputText } = ts.transpileModule(await readFile(path, 'utf8'), {
    fileName: path,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      sourceMap: false,
    },
  })
  // Written then renamed, so a concurrent reader never sees half a file.
  const partial = `${cached}.${process.pid}.tmp`
  await writeFile(partial, outputText)
  await rename(partial, cached)
  return { format: 'module', source: outputText, shortCircuit: true }
}
