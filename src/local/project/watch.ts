/**
 * The CLI's watch: a saved schema or perms file is loaded again and applied; a broken one keeps
 * what is in force and says why, naming the file (and the rule that does not compile).
 */
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import { applyFromFile, loadRulesFile, loadSchemaFile } from './load-files.js'
import type { ProjectFiles } from './find-files.js'

/** Editors save in bursts (truncate, write, rename): one reload per burst. */
const RELOAD_DEBOUNCE_MS = 50

/** What the watch applies to: a running Local Instant. */
export interface ReloadTarget {
  setRules(rules: unknown): void
  setSchema(schema: unknown): void
}

/** Where the watch reports (the CLI's stderr lines). */
export interface ReloadReport {
  info(message: string): void
  error(message: string): void
}

/**
 * Watches `files` and applies each saved one to `target`. `show` turns a path into how the
 * report names it (the CLI shows paths relative to its working directory). Returns `close()`.
 */
export function watchProjectFiles(
  target: ReloadTarget,
  files: ProjectFiles,
  report: ReloadReport,
  show: (file: string) => string = (file) => file,
): () => void {
  const watchers: FSWatcher[] = []
  const timers = new Set<NodeJS.Timeout>()
  // Reloads run one at a time, in the order the saves came.
  let queue: Promise<void> = Promise.resolve()
  let closed = false

  const reload = async (file: string, kind: 'rules' | 'schema'): Promise<void> => {
    try {
      if (kind === 'rules') {
        const rules = await loadRulesFile(file)
        if (closed) return
        applyFromFile(file, () => target.setRules(rules))
      } else {
        const schema = await loadSchemaFile(file)
        if (closed) return
        applyFromFile(file, () => target.setSchema(schema))
      }
      report.info(`instant-local: reloaded ${kind} from ${show(file)}`)
    } catch (error) {
      report.error(
        `instant-local: ${(error as Error).message}\n  (still using the previous ${kind})`,
      )
    }
  }

  const follow = (file: string, kind: 'rules' | 'schema'): void => {
    let timer: NodeJS.Timeout | undefined
    // The folder, not the file: a save by rename replaces the file a file watch would follow.
    const watcher = watch(dirname(file), (_event, name) => {
      if (name !== basename(file) || closed) return
      if (timer) {
        clearTimeout(timer)
        timers.delete(timer)
      }
      timer = setTimeout(() => {
        if (timer) timers.delete(timer)
        queue = queue.then(() => reload(file, kind))
      }, RELOAD_DEBOUNCE_MS)
      timers.add(timer)
    })
    watcher.unref()
    watchers.push(watcher)
  }

  if (files.schemaFile !== undefined) follow(files.schemaFile, 'schema')
  if (files.rulesFile !== undefined) follow(files.rulesFile, 'rules')
  return () => {
    closed = true
    for (const timer of timers) clearTimeout(timer)
    for (const watcher of watchers) watcher.close()
  }
}
