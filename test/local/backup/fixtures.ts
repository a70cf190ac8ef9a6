/** Paths of the hand-made backup archives (see test/fixtures/backup/make-fixtures.py). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll } from 'vitest'

export const FIXTURES = resolve(import.meta.dirname, '../../fixtures/backup')
export const APP_ZIP = join(FIXTURES, 'app.zip')
export const APP_ZIP64 = join(FIXTURES, 'app-zip64.zip')
export const bad = (name: string): string => join(FIXTURES, 'bad', `${name}.zip`)

export const ALICE = 'a11ce000-0000-4000-8000-000000000001'
export const BOB = 'b0b00000-0000-4000-8000-000000000002'
export const LINKED_GUEST = '9e570000-0000-4000-8000-000000000003'

/** A temporary folder for this test file, removed after it. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Rows per table of a database file, read directly. */
export function tableCounts(dbPath: string): Record<string, number> {
  const db = new Database(dbPath, { readonly: true })
  try {
    const out: Record<string, number> = {}
    for (const t of ['data_entities', 'data_triples', 'data_links', 'data_attrs', 'users']) {
      out[t] = (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n
    }
    out['rules'] = (
      db.prepare("SELECT COUNT(*) AS n FROM meta WHERE key = 'rules'").get() as { n: number }
    ).n
    return out
  } finally {
    db.close()
  }
}

export const EMPTY = {
  data_entities: 0,
  data_triples: 0,
  data_links: 0,
  data_attrs: 0,
  users: 0,
  rules: 0,
}
