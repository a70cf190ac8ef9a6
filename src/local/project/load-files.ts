/**
 * Loading the schema and the rules from their files, and naming the file (and the rule) when
 * applying them fails.
 */
import { resolve } from 'node:path'
import { loadDefaultExport, projectFileError, type LoadModuleDeps } from './load-module.js'

/** The schema exported by `file` (relative paths from `cwd`, default the working directory). */
export async function loadSchemaFile(
  file: string,
  cwd = process.cwd(),
  deps?: LoadModuleDeps,
): Promise<object> {
  const path = resolve(cwd, file)
  const schema = await loadDefaultExport(path, 'schema', deps)
  if (typeof schema !== 'object' || schema === null || !('entities' in schema)) {
    throw projectFileError(path, 'the default export is not a schema (make it `i.schema({ … })`)')
  }
  return schema
}

/** The permission rules exported by `file` (relative paths from `cwd`). */
export async function loadRulesFile(
  file: string,
  cwd = process.cwd(),
  deps?: LoadModuleDeps,
): Promise<object> {
  const path = resolve(cwd, file)
  const rules = await loadDefaultExport(path, 'rules', deps)
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) {
    throw projectFileError(path, 'the default export is not a rules object ({ todos: { allow } })')
  }
  return rules
}

/**
 * Runs `apply(value)` (setting rules or a schema loaded from `file`); an error it throws comes
 * back as a project-file error naming the file, and for a rule that does not compile its path
 * (`todos.allow.view`).
 */
export function applyFromFile<T>(file: string, apply: () => T): T {
  try {
    return apply()
  } catch (error) {
    throw projectFileError(file, describeApplyError(error), error)
  }
}

/** The message, with the rule's path (`todos.allow.view`) when it names none. */
function describeApplyError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const input = (error as { hint?: { input?: unknown } } | null)?.hint?.input
  if (Array.isArray(input) && input.every((part) => typeof part === 'string')) {
    const path = input.join('.')
    // Local Instant's messages name the rule's path already; older ones did not.
    if (!message.includes(`${path}:`)) return `rule ${path}: ${message}`
  }
  return message
}
