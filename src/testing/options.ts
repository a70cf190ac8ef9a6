/**
 * The options of {@link initializeTestEnvironment}, checked once on its first line
 * (express-rate-limit's `parseOptions()`), and which project files they resolve to.
 */
import { resolve } from 'node:path'
import type { LocalInstantLogger } from '../local/index.js'
import { findProjectFile } from '../local/project/index.js'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'
import type { SchemaLike } from '../admin/index.js'

const FACTORY = 'initializeTestEnvironment'

/** The options of `initializeTestEnvironment`; every one is optional. */
export interface TestEnvironmentOptions<S extends SchemaLike | undefined = undefined> {
  /**
   * The schema, the `i.schema(...)` result. Default: the project's `instant.schema.ts`, found
   * as Instant's CLI finds it (see `projectDir`). Not with `schemaFile`.
   */
  schema?: S
  /**
   * The permission rules in Instant's format; `{}` allows everything. Default: the project's
   * `instant.perms.ts`. Not with `rulesFile`.
   */
  rules?: object
  /** A file whose default export is the schema (relative to `projectDir`). */
  schemaFile?: string
  /** A file whose default export is the rules (relative to `projectDir`). */
  rulesFile?: string
  /**
   * Where the project's files are looked for: this folder (or `INSTANT_SCHEMA_FILE_PATH` /
   * `INSTANT_PERMS_FILE_PATH`, relative to it), then `src/`, `lib/`, `app/`. Default
   * `process.cwd()`, which test runners set to the project's root.
   */
  projectDir?: string
  /**
   * An Instant backup archive (`.zip`, relative to `projectDir`) to start from: its schema,
   * entities, links and users, as `startLocalInstant({ backup })` loads them. Its rules apply
   * unless `rules`, `rulesFile` or a project's `instant.perms.ts` gives others. `clearData()`
   * removes what it seeded too. Default: none.
   */
  backup?: string
  /** Receives Local Instant's log lines (magic codes). Default: `false`, silent. */
  logger?: LocalInstantLogger | false
}

const KEYS = {
  schema: true,
  rules: true,
  schemaFile: true,
  rulesFile: true,
  projectDir: true,
  backup: true,
  logger: true,
} as const satisfies OptionKeys<TestEnvironmentOptions<SchemaLike>>

/** What the environment starts from: objects, or the absolute paths of files to load. */
export interface TestEnvironmentConfig {
  projectDir: string
  schema?: object
  rules?: object
  schemaFile?: string
  rulesFile?: string
  /** The archive's absolute path. */
  backup?: string
  logger: LocalInstantLogger | false
}

/** Checks the options and picks the files; throws a `TypeError` naming the option. */
export function resolveTestEnvironmentOptions(
  options: TestEnvironmentOptions<SchemaLike | undefined>,
): TestEnvironmentConfig {
  if (typeof options !== 'object' || options === null) {
    throw optionError(FACTORY, 'options', 'be an object', options)
  }
  checkOptionKeys(options, KEYS, FACTORY)
  const projectDir = options.projectDir ?? process.cwd()
  if (typeof projectDir !== 'string' || projectDir === '') {
    throw optionError(FACTORY, 'projectDir', 'be a folder path', options.projectDir)
  }
  const config: TestEnvironmentConfig = { projectDir, logger: options.logger ?? false }
  const pick = (
    object: 'schema' | 'rules',
    file: 'schemaFile' | 'rulesFile',
    kind: 'schema' | 'perms',
  ): void => {
    const value = options[object]
    const path = options[file]
    if (value !== undefined && path !== undefined) {
      throw optionError(FACTORY, file, `not be given with \`${object}\``, path, 'both')
    }
    if (value !== undefined) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw optionError(FACTORY, object, 'be an object', value)
      }
      config[object] = value
    } else if (path !== undefined) {
      if (typeof path !== 'string' || path.trim() === '') {
        throw optionError(FACTORY, file, 'be a path, e.g. "instant.perms.ts"', path)
      }
      config[file] = path
    } else {
      const found = findProjectFile(kind, { cwd: projectDir })
      if (found !== undefined) config[file] = found
    }
  }
  if (options.backup !== undefined) {
    if (typeof options.backup !== 'string' || options.backup.trim() === '') {
      throw optionError(
        FACTORY,
        'backup',
        'be the path of a backup archive, e.g. "backup.zip"',
        options.backup,
      )
    }
    config.backup = resolve(projectDir, options.backup)
  }
  pick('schema', 'schemaFile', 'schema')
  pick('rules', 'rulesFile', 'perms')
  const logger = config.logger
  if (
    logger !== false &&
    (typeof logger !== 'object' ||
      logger === null ||
      typeof logger.info !== 'function' ||
      typeof logger.error !== 'function')
  ) {
    throw optionError(FACTORY, 'logger', 'be false or an object with info() and error()', logger)
  }
  return config
}
