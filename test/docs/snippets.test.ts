/**
 * Every ```ts block of README.md and docs/*.md typechecks, each as its own module, against the
 * sources (the package's import names map to src/ as in tsconfig.json's `paths`).
 *
 * What a snippet may use without defining it is exactly the shared prelude below, `app` (an
 * Express app) and `db` (this package's admin client), which the README states once. Anything
 * else a snippet uses it imports, defines, or states as an assumption with a visible
 * `declare const name: Type` line, which the reader sees as well.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const virtualDir = join(root, 'test', 'docs', '__snippets__')

const PRELUDE = `import type { Express } from 'express'
import type { InstantAdminDatabase } from 'instant-express-auth/admin'
declare global {
  /** The app every snippet mounts on. */
  const app: Express
  /** The admin client every snippet passes as \`db\`. */
  const db: InstantAdminDatabase
}
export {}
`

interface Snippet {
  file: string
  line: number
  code: string
}

/** The ```ts blocks of one Markdown file, indented ones (inside lists) included. */
function extractSnippets(file: string, text: string): Snippet[] {
  const snippets: Snippet[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```ts\s*$/.exec(lines[i]!)
    if (open === null) continue
    const indent = open[1]!.length
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length && !/^ *```\s*$/.test(lines[j]!); j++) {
      body.push(lines[j]!.slice(Math.min(indent, lines[j]!.search(/\S|$/))))
    }
    snippets.push({ file, line: i + 1, code: body.join('\n') })
    i = j
  }
  return snippets
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`)
  return ['README.md', ...docs.sort()]
}

function typecheck(snippets: Snippet[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  )
  if (config === undefined) throw new Error('tsconfig.json did not parse')
  const virtual = new Map<string, string>()
  virtual.set(join(virtualDir, 'prelude.ts'), PRELUDE)
  const origin = new Map<string, Snippet>()
  snippets.forEach((snippet, index) => {
    const path = join(virtualDir, `snippet-${index}.ts`)
    // `export {}` makes each snippet a module: its names stay its own.
    virtual.set(path, `${snippet.code}\nexport {}\n`)
    origin.set(path, snippet)
  })
  // As most apps compile: `strict`, without noUncheckedIndexedAccess (`db.tx.todos[id]` reads
  // as in Instant's own docs).
  const options = { ...config.options, noEmit: true, noUncheckedIndexedAccess: false }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (name, language, ...rest) => {
    const text = virtual.get(resolve(name))
    return text === undefined
      ? getSourceFile(name, language, ...rest)
      : ts.createSourceFile(name, text, language)
  }
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (name) => virtual.has(resolve(name)) || fileExists(name)
  const readFile = host.readFile.bind(host)
  host.readFile = (name) => virtual.get(resolve(name)) ?? readFile(name)
  // The sources' own ambient declarations (src/admin/undici-modules.d.ts), as tsconfig.json has them.
  const ambient = config.fileNames.filter((file) => file.endsWith('.d.ts'))
  const program = ts.createProgram([...virtual.keys(), ...ambient], options, host)
  const problems: string[] = []
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    const snippet = file === undefined ? undefined : origin.get(resolve(file.fileName))
    if (snippet === undefined || file === undefined || diagnostic.start === undefined) {
      problems.push(`${file?.fileName ?? '(global)'}: TS${diagnostic.code} ${message}`)
      continue
    }
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start)
    problems.push(`${snippet.file}:${snippet.line + 1 + line}: TS${diagnostic.code} ${message}`)
  }
  return problems
}

describe('documentation snippets', () => {
  it('extracts fenced and indented ts blocks, with their line numbers', () => {
    const text =
      'intro\n```ts\nconst a = 1\n```\n- item\n\n  ```ts\n  const b = 2\n  ```\n```sh\nls\n```\n'
    expect(extractSnippets('x.md', text)).toEqual([
      { file: 'x.md', line: 2, code: 'const a = 1' },
      { file: 'x.md', line: 7, code: 'const b = 2' },
    ])
  })

  it('every ts block of README.md and docs/*.md typechecks', () => {
    const snippets = markdownFiles().flatMap((file) =>
      extractSnippets(file, readFileSync(join(root, file), 'utf8')),
    )
    expect(snippets.length).toBeGreaterThanOrEqual(20)
    expect(typecheck(snippets)).toEqual([])
    // A bound on a hang, not a speed assertion: this is one CPU-bound TypeScript program
    // (about 30 s of one core on CI), and the suite runs three forks on two cores.
  }, 180_000)

  it('every relative link of README.md and docs/*.md names a file and heading that exist', () => {
    const broken: string[] = []
    for (const file of markdownFiles()) {
      const text = readFileSync(join(root, file), 'utf8')
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue // https:, mailto:
        const [path, anchor] = target!.split('#') as [string, string | undefined]
        const linked = path === '' ? file : join(dirname(file), path)
        let linkedText: string
        try {
          linkedText = readFileSync(join(root, linked), 'utf8')
        } catch {
          broken.push(`${file}: ${target} (no such file)`)
          continue
        }
        if (anchor !== undefined && !headingSlugs(linkedText).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`)
        }
      }
    }
    expect(broken).toEqual([])
  })
})

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>()
  let fence = false
  for (const line of markdown.split('\n')) {
    if (/^ *```/.test(line)) fence = !fence
    const heading = fence ? null : /^#{1,6} (.*)$/.exec(line)
    if (heading !== null) {
      slugs.add(
        heading[1]!
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}_\- ]/gu, '')
          .replaceAll(' ', '-'),
      )
    }
  }
  return slugs
}
