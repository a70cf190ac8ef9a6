/**
 * Instant backup archives in Local Instant: import (CLI `instant-local import`, option
 * `startLocalInstant({ backup })`) and export (CLI `instant-local export`).
 */
import type { Database } from 'better-sqlite3'
import { getMeta } from '../database.js'
import { META_RULES } from './import.js'

export { BackupError } from './backup-error.js'
export type { BackupErrorPlace } from './backup-error.js'
export { exportBackup } from './export.js'
export type { ExportBackupOptions, ExportSummary } from './export.js'
export { importBackup } from './import.js'
export type { ImportBackupOptions, ImportProgress, ImportSummary } from './import.js'

/** The rules an import stored in the database, which Local Instant starts with unless given others. */
export function storedRules(db: Database): unknown {
  const text = getMeta(db, META_RULES)
  return text === undefined ? undefined : (JSON.parse(text) as unknown)
}
