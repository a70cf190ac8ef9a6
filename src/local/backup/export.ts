/**
 * Writes a Local Instant database as an Instant backup archive (see format.ts), which restores
 * into self-hosted Instant through its `/intern/restore` page and imports back unchanged.
 * One read transaction gives every entry the same snapshot; entities are read a page at a time
 * and deflated as they stream. `$users` rows go out without anything of their sessions: refresh
 * tokens and magic codes live in tables this file never reads.
 */
import { rename, rm } from 'node:fs/promises'
import type { Database } from 'better-sqlite3'
import { getMeta } from '../database.js'
import {
  createAttrRegistry,
  LINKED_PRIMARY_USER_ATTR_ID,
  type AttrRegistry,
  type LinkAttr,
} from '../data/attrs.js'
import type { UserRow } from '../users.js'
import { BackupError } from './backup-error.js'
import { CONFIG_ENTRY, ENTITIES_PREFIX, ENTITIES_SUFFIX } from './format.js'
import { META_RULES } from './import.js'
import { schemaDefs } from './schema-defs.js'
import { createZipWriter } from './zip-writer.js'

/** Entities read per query. */
const PAGE_SIZE = 1_000
/** Bytes of `.jsonl` gathered before they go to the deflater. */
const CHUNK_BYTES = 64 * 1024

export interface ExportBackupOptions {
  /** Rules to write in `config.json`. Default: the rules the database holds (from an import), else none. */
  rules?: unknown
  /** `config.json`'s `title`. Default `'Local Instant'`. */
  title?: string
}

export interface ExportSummary {
  /** Entities written per namespace (the archive's `counts`). */
  counts: Record<string, number>
}

/** Writes `db` to `outPath` (replaced only once the archive is complete). Throws a `BackupError`. */
export async function exportBackup(
  db: Database,
  outPath: string,
  options: ExportBackupOptions = {},
): Promise<ExportSummary> {
  const partial = `${outPath}.partial-${process.pid}`
  let writer
  try {
    writer = await createZipWriter(partial)
  } catch (err) {
    throw new BackupError(`cannot write: ${(err as Error).message}`, { file: outPath, cause: err })
  }
  // A read transaction: every entry below sees the same snapshot of the file.
  db.exec('BEGIN')
  try {
    const registry = createAttrRegistry(db)
    const counts = countEntities(db)
    const storedRules = getMeta(db, META_RULES)
    const rules =
      options.rules !== undefined
        ? options.rules
        : storedRules === undefined
          ? null
          : (JSON.parse(storedRules) as unknown)
    const config = {
      counts,
      tripleCount: countTriples(db),
      schema: schemaDefs(registry, Object.keys(counts)),
      rules: typeof rules === 'string' ? (JSON.parse(rules) as unknown) : rules,
      webhooks: [],
      emailTemplates: [],
      authorizedRedirectOrigins: [],
      title: options.title ?? 'Local Instant',
      appId: getMeta(db, 'app_id') ?? null,
      backupAt: new Date().toISOString(),
      isn: null,
      description: 'Exported by instant-local',
    }
    // Instant's restore reads config.json first, then entities/, then files/.
    await writer.add(CONFIG_ENTRY, JSON.stringify(config))
    for (const ns of Object.keys(counts)) {
      await writer.add(
        `${ENTITIES_PREFIX}${ns}${ENTITIES_SUFFIX}`,
        chunked(lines(db, registry, ns)),
      )
    }
    await writer.close()
    await rename(partial, outPath)
    return { counts }
  } catch (err) {
    await writer.abort().catch(() => {})
    await rm(partial, { force: true })
    if (err instanceof BackupError) throw err
    throw new BackupError(`export failed: ${(err as Error).message}`, { file: outPath, cause: err })
  } finally {
    db.exec('COMMIT')
  }
}

function countEntities(db: Database): Record<string, number> {
  const counts: Record<string, number> = {}
  const users = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users').get()?.n ?? 0
  const rows = db
    .prepare<[], { ns: string; n: number }>(
      'SELECT ns, COUNT(*) AS n FROM data_entities GROUP BY ns ORDER BY ns',
    )
    .all()
  if (users > 0) rows.push({ ns: '$users', n: users })
  // Sorted by namespace, as Instant's `counts` (a sorted map) and its entries are.
  rows.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0))
  for (const r of rows) counts[r.ns] = r.n
  return counts
}

/** Instant's `tripleCount`: one `id` triple per entity, one per value, one per link. */
function countTriples(db: Database): number {
  const row = db
    .prepare<[], { n: number }>(
      `SELECT (SELECT COUNT(*) FROM data_entities) + (SELECT COUNT(*) FROM data_triples)
        + (SELECT COUNT(*) FROM data_links) + (SELECT COUNT(*) + COUNT(email) + COUNT(type) FROM users)
        + (SELECT COUNT(*) FROM users, json_each(users.extra)) AS n`,
    )
    .get()
  return row?.n ?? 0
}

/** Joins small strings into chunks of about {@link CHUNK_BYTES} for the deflater. */
async function* chunked(source: Iterable<string>): AsyncGenerator<string> {
  let buf = ''
  for (const line of source) {
    buf += line
    if (buf.length >= CHUNK_BYTES) {
      yield buf
      buf = ''
    }
  }
  if (buf !== '') yield buf
}

/** The `.jsonl` lines of namespace `ns`, by id, each ending in `\n`. */
function* lines(db: Database, registry: AttrRegistry, ns: string): Generator<string> {
  const forward = registry
    .linksTouching(ns)
    .filter((l) => l.forward && l.attr.id !== LINKED_PRIMARY_USER_ATTR_ID)
    .map((l) => l.attr)
  const targets = db.prepare<[string, string], { target: string }>(
    'SELECT target FROM data_links WHERE attr_id = ? AND source = ? ORDER BY target',
  )
  const addLinks = (entity: Record<string, unknown>, id: string, links: LinkAttr[]): void => {
    for (const link of links) {
      const ids = targets.all(link.id, id).map((r) => r.target)
      if (ids.length === 0) continue
      entity[link.label] = link.has === 'one' ? ids[0] : ids
    }
  }
  const line = (entity: Record<string, unknown>, createdAt: number): string =>
    `${JSON.stringify({ entity, createdAt })}\n`

  if (ns === '$users') {
    const page = db.prepare<[string], UserRow>(
      'SELECT id, email, type, created_at, extra FROM users WHERE id > ? ORDER BY id LIMIT ' +
        PAGE_SIZE,
    )
    for (let after = ''; ;) {
      const rows = page.all(after)
      for (const row of rows) {
        const entity: Record<string, unknown> = { id: row.id }
        if (row.email !== null) entity['email'] = row.email
        if (row.type !== null) entity['type'] = row.type
        for (const [k, v] of Object.entries(JSON.parse(row.extra) as Record<string, unknown>)) {
          if (k !== 'id') entity[k] = v
        }
        addLinks(entity, row.id, forward)
        yield line(entity, row.created_at)
      }
      if (rows.length < PAGE_SIZE) return
      after = (rows[rows.length - 1] as UserRow).id
    }
  }

  const page = db.prepare<[string, string], { id: string; created_at: number }>(
    `SELECT id, created_at FROM data_entities WHERE ns = ? AND id > ? ORDER BY id LIMIT ${PAGE_SIZE}`,
  )
  const triples = db.prepare<[string, string], { attr: string; value: string }>(
    'SELECT attr, value FROM data_triples WHERE ns = ? AND eid = ? ORDER BY attr',
  )
  for (let after = ''; ;) {
    const rows = page.all(ns, after)
    for (const row of rows) {
      const entity: Record<string, unknown> = { id: row.id }
      for (const t of triples.all(ns, row.id)) entity[t.attr] = JSON.parse(t.value) as unknown
      addLinks(entity, row.id, forward)
      yield line(entity, row.created_at)
    }
    if (rows.length < PAGE_SIZE) return
    after = (rows[rows.length - 1] as { id: string }).id
  }
}
