/**
 * Finds a project's `instant.schema.*` and `instant.perms.*` where Instant's CLI looks for them
 * (`client/packages/cli/src/util/findConfigCandidates.ts`): the environment variable's path if
 * set, else the working directory, then `src/` (three folders deep), `lib/` (two deep) and `app/`,
 * each with the extensions `ts`, `mts`, `cts`, `js`, `mjs`, `cjs`, in that order.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** Which file of the project is meant. */
export type ProjectFileKind = 'schema' | 'perms'

/** The extensions Instant's CLI tries, in its order. */
export const PROJECT_FILE_EXTENSIONS = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'] as const

/** The environment variables that name the files, as Instant's CLI reads them. */
export const PROJECT_FILE_ENV = {
  schema: 'INSTANT_SCHEMA_FILE_PATH',
  perms: 'INSTANT_PERMS_FILE_PATH',
} as const satisfies Record<ProjectFileKind, string>

const BASE_NAME = { schema: 'instant.schema', perms: 'instant.perms' } as const

/** How deep Instant's CLI looks under `src/` and `lib/`. */
const SEARCH_DEPTH = { src: 3, lib: 2 } as const

/** Where to look: the working directory and the environment (default `process.env`). */
export interface FindProjectFileOptions {
  cwd: string
  env?: Readonly<Record<string, string | undefined>>
}

/**
 * The absolute path of the project's schema or perms file, or `undefined` when there is none.
 * A path named by the environment variable must exist: a typo there throws, naming the variable.
 */
export function findProjectFile(
  kind: ProjectFileKind,
  { cwd, env = process.env }: FindProjectFileOptions,
): string | undefined {
  const variable = PROJECT_FILE_ENV[kind]
  const fromEnv = env[variable]
  if (fromEnv !== undefined && fromEnv !== '') {
    const file = resolve(cwd, fromEnv)
    if (!isFile(file)) {
      throw new Error(`${variable}=${fromEnv}: no such file (looked for ${file})`)
    }
    return file
  }
  const base = BASE_NAME[kind]
  const stems = [
    base,
    ...folders(cwd, 'src', SEARCH_DEPTH.src).map((dir) => join(dir, base)),
    ...folders(cwd, 'lib', SEARCH_DEPTH.lib).map((dir) => join(dir, base)),
    join('app', base),
  ]
  for (const stem of stems) {
    for (const ext of PROJECT_FILE_EXTENSIONS) {
      const file = resolve(cwd, `${stem}.${ext}`)
      if (isFile(file)) return file
    }
  }
  return undefined
}

/** `dir` and its sub-folders down to `depth` (hidden ones and node_modules skipped), in name order. */
function folders(cwd: string, dir: string, depth: number): string[] {
  if (!existsSync(join(cwd, dir))) return []
  const found = [dir]
  if (depth === 0) return found
  let names: string[]
  try {
    names = readdirSync(join(cwd, dir), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
      .map((e) => e.name)
      .sort()
  } catch {
    return found
  }
  for (const name of names) found.push(...folders(cwd, join(dir, name), depth - 1))
  return found
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** The project's files, as absolute paths; a missing one is `undefined`. */
export interface ProjectFiles {
  schemaFile?: string
  rulesFile?: string
}

/** Both files of the project in `cwd`, found as Instant's CLI finds them. */
export function findProjectFiles(options: FindProjectFileOptions): ProjectFiles {
  const schemaFile = findProjectFile('schema', options)
  const rulesFile = findProjectFile('perms', options)
  return {
    ...(schemaFile === undefined ? {} : { schemaFile }),
    ...(rulesFile === undefined ? {} : { rulesFile }),
  }
}
