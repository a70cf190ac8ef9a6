/**
 * Instant's backup format (docs "Backups"; written by the server's `backup.clj`, read by its
 * `restore.clj`): a zip holding `config.json` first, then `entities/<namespace>.jsonl` (one
 * `{ "entity": {…}, "createdAt": <ms> }` per line; a forward link is the linked id, or an array
 * of ids for has-many), then `files/<location-id>` blobs for `$files`.
 */
import { isRecord } from '../data/is-record.js'
import { BackupError } from './backup-error.js'

export const CONFIG_ENTRY = 'config.json'
export const ENTITIES_PREFIX = 'entities/'
export const ENTITIES_SUFFIX = '.jsonl'
export const FILES_PREFIX = 'files/'

/** `config.json`, as far as Local Instant reads it; other keys are kept by Instant only. */
export interface BackupConfig {
  /** Entities per namespace (`$users` included). */
  counts: Record<string, number>
  /** `i.schema()`'s JSON: `{ entities: { ns: { attrs } }, links: { name: { forward, reverse } } }`. */
  schema: Record<string, unknown>
  /** The permission rules (Instant's JSON), or null. */
  rules: unknown
  [key: string]: unknown
}

/** Parses and checks `config.json`'s bytes. */
export function parseConfig(bytes: Buffer): BackupConfig {
  let config: unknown
  try {
    config = JSON.parse(bytes.toString('utf8'))
  } catch (err) {
    throw new BackupError(`not JSON: ${(err as Error).message}`, { file: CONFIG_ENTRY, cause: err })
  }
  if (!isRecord(config) || !isRecord(config['schema'])) {
    throw new BackupError('expected an object with a "schema" key', { file: CONFIG_ENTRY })
  }
  const counts = config['counts'] ?? {}
  if (!isRecord(counts) || !Object.values(counts).every((n) => Number.isInteger(n))) {
    throw new BackupError('"counts" must map namespaces to entity counts', { file: CONFIG_ENTRY })
  }
  const rules = config['rules'] ?? null
  if (rules !== null && !isRecord(rules)) {
    throw new BackupError('"rules" must be an object or null', { file: CONFIG_ENTRY })
  }
  return { ...config, counts: counts as Record<string, number>, schema: config['schema'], rules }
}

/** The namespace of an `entities/<ns>.jsonl` entry name, else undefined. */
export function namespaceOf(entryName: string): string | undefined {
  if (!entryName.startsWith(ENTITIES_PREFIX) || !entryName.endsWith(ENTITIES_SUFFIX))
    return undefined
  const ns = entryName.slice(ENTITIES_PREFIX.length, -ENTITIES_SUFFIX.length)
  return ns === '' || ns.includes('/') ? undefined : ns
}
