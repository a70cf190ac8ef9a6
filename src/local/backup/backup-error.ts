/**
 * The one error of backup import and export: it names the file (the archive, or an entry inside
 * it such as `entities/posts.jsonl`) and, for a `.jsonl` entry, the line, so a bad archive is
 * refused with the place to look.
 */

/** Where a {@link BackupError} points. */
export interface BackupErrorPlace {
  /** The archive path, or the entry inside it (`config.json`, `entities/posts.jsonl`). */
  file: string
  /** 1-based line of a `.jsonl` entry. */
  line?: number
  cause?: unknown
}

/** A backup archive that cannot be imported (or written); nothing was changed. */
export class BackupError extends Error {
  override readonly name = 'BackupError'
  readonly code = 'backup-invalid'
  readonly file: string
  readonly line: number | undefined

  constructor(message: string, place: BackupErrorPlace) {
    const where = place.line === undefined ? place.file : `${place.file} line ${place.line}`
    super(`${where}: ${message}`, place.cause === undefined ? undefined : { cause: place.cause })
    this.file = place.file
    this.line = place.line
  }
}
