/**
 * Loading a schema or perms file: JSON, JavaScript, or TypeScript. TypeScript goes through
 * Node's own type stripping where Node has it on (`process.features.typescript`: Node ≥ 23.6, or
 * 22.6+ with `--experimental-strip-types`), else through `jiti` (what Instant's CLI uses, via
 * unconfig), an optional peer: Node 20 users install it as a dev dependency.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { extname } from 'node:path'
import { pathToFileURL } from 'node:url'
import { requireOptional } from '../../options/optional-dependency.js'

/** The command that lets Node without type stripping load `instant.schema.ts` / `instant.perms.ts`. */
export const TYPESCRIPT_LOADER_INSTALL = 'npm install --save-dev jiti@^2.7.0'

/** The `code` of every error about a project file (missing export, unreadable, invalid). */
export const PROJECT_FILE_ERROR = 'INSTANT_PROJECT_FILE_INVALID'

/** An error about one project file: `file` is its absolute path. */
export type ProjectFileError = Error & { code: typeof PROJECT_FILE_ERROR; file: string }

/** Builds a {@link ProjectFileError} whose message starts with the file. */
export function projectFileError(file: string, message: string, cause?: unknown): ProjectFileError {
  const error = new Error(`${file}: ${message}`, cause === undefined ? undefined : { cause })
  return Object.assign(error, { code: PROJECT_FILE_ERROR, file } as const)
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts'])
const JAVASCRIPT = new Set(['.js', '.mjs', '.cjs'])

/** The seams tests use to take each path on any Node. */
export interface LoadModuleDeps {
  /** Whether Node strips types itself. Default: `process.features.typescript`. */
  nodeStripsTypes?: boolean
  /** Loads `jiti`. Default: the optional peer, or an error with the install command. */
  loadJiti?: () => JitiModule
  /** Node's own `import()` of a file. Default: a fresh `import()` of its URL. */
  importNative?: (file: string) => Promise<unknown>
}

/**
 * What Node's type stripping refuses that jiti loads: TypeScript-only syntax (enums, namespaces)
 * and imports without an extension (`import schema from './instant.schema'`).
 */
const STRIPPING_LIMITS = new Set(['ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX', 'ERR_MODULE_NOT_FOUND'])

/** The part of jiti 2 used here. */
export interface JitiModule {
  createJiti(
    from: string,
    options: { moduleCache: boolean; fsCache: boolean; interopDefault: boolean },
  ): { import(id: string): Promise<unknown> }
}

/** Every load gets a new module instance, so a saved file is read again (the CLI's watch). */
let generation = 0

/**
 * The default export of `file` (a `.json` file's whole value). `what` (`'schema'`, `'rules'`)
 * goes into the error when there is none: a module without `export default` is refused, as
 * Instant's CLI refuses it, never read as "no rules".
 */
export async function loadDefaultExport(
  file: string,
  what: string,
  deps: LoadModuleDeps = {},
): Promise<unknown> {
  const ext = extname(file).toLowerCase()
  let mod: unknown
  try {
    if (ext === '.json') return JSON.parse(await readFile(file, 'utf8')) as unknown
    if (ext === '.cjs') mod = requireFresh(file)
    else if (JAVASCRIPT.has(ext)) mod = await importFresh(file)
    else if (TYPESCRIPT.has(ext)) mod = await importTypeScript(file, deps)
    else {
      throw projectFileError(
        file,
        `cannot load a ${ext || 'extension-less'} file; use .ts, .mts, .cts, .js, .mjs, .cjs or .json`,
      )
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === PROJECT_FILE_ERROR) throw error
    if ((error as { code?: unknown }).code === 'INSTANT_MISSING_DEPENDENCY') {
      throw projectFileError(file, (error as Error).message, error)
    }
    throw projectFileError(file, `could not load: ${firstLine(error)}`, error)
  }
  const value = (mod as { default?: unknown } | null)?.default
  if (value === undefined || value === null) {
    const names = Object.keys(mod ?? {}).filter((k) => k !== '__esModule' && k !== 'default')
    const found = names.length > 0 ? ` (it exports ${names.join(', ')})` : ''
    throw projectFileError(
      file,
      `no default export${found}; Instant reads the ${what} from \`export default ${what}\``,
    )
  }
  return value
}

async function importTypeScript(file: string, deps: LoadModuleDeps): Promise<unknown> {
  const nodeStrips =
    deps.nodeStripsTypes ??
    Boolean((process.features as { typescript?: unknown } | undefined)?.typescript)
  // Node loads a .cts as CommonJS, where `export default` (how Instant's files export) is a
  // syntax error: jiti, which compiles the module syntax too, loads it on every Node.
  if (extname(file).toLowerCase() === '.cts') {
    let jiti: JitiModule
    try {
      jiti = (deps.loadJiti ?? loadJitiPeer)()
    } catch (error) {
      if (!nodeStrips) throw error
      throw projectFileError(
        file,
        `Node loads a .cts file as CommonJS, where \`export default\` is a syntax error; jiti loads it: ${TYPESCRIPT_LOADER_INSTALL}`,
        error,
      )
    }
    return importWithJiti(file, jiti)
  }
  if (nodeStrips) {
    try {
      return await (deps.importNative ?? importFresh)(file)
    } catch (error) {
      // Past what type stripping does: jiti, when installed, loads it as Instant's CLI would.
      const code = (error as { code?: unknown } | null)?.code
      if (typeof code !== 'string' || !STRIPPING_LIMITS.has(code)) throw error
      let jiti: JitiModule
      try {
        jiti = (deps.loadJiti ?? loadJitiPeer)()
      } catch {
        throw projectFileError(
          file,
          `${firstLine(error)}; Node's type stripping cannot load this file, jiti can: ${TYPESCRIPT_LOADER_INSTALL}`,
          error,
        )
      }
      return importWithJiti(file, jiti)
    }
  }
  return importWithJiti(file, (deps.loadJiti ?? loadJitiPeer)())
}

function importWithJiti(file: string, jiti: JitiModule): Promise<unknown> {
  // No caches: every load reads the file (and the files it imports) again.
  const loader = jiti.createJiti(pathToFileURL(file).href, {
    moduleCache: false,
    fsCache: false,
    interopDefault: false,
  })
  return loader.import(file)
}

function loadJitiPeer(): JitiModule {
  return requireOptional<JitiModule>('jiti', {
    feature: `Loading TypeScript on Node ${process.versions.node} (no type stripping)`,
    install: TYPESCRIPT_LOADER_INSTALL,
  })
}

function importFresh(file: string): Promise<unknown> {
  const url = pathToFileURL(file)
  url.searchParams.set('instant-load', String(++generation))
  return import(url.href) as Promise<unknown>
}

const requireHere = createRequire(import.meta.url)

function requireFresh(file: string): unknown {
  delete requireHere.cache[file]
  const exports = requireHere(file) as unknown
  return { default: exports }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0] ?? message
}
