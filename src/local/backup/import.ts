/**
 * Loads an Instant backup archive into a Local Instant database, all or nothing: one SQLite
 * transaction holds the schema, the rules, every entity with its id and `createdAt`, the links
 * and the `$users` rows; the first bad line rolls it back and is reported by file and line.
 * Entries stream line by line, so memory stays bounded whatever the archive's size.
 */
import type { Database } from 'better-sqlite3'
import { setMeta } from '../database.js'
import {
  createAttrRegistry,
  LINKED_PRIMARY_USER_ATTR_ID,
  USERS_SYSTEM_LABELS,
  type AttrRegistry,
  type DataAttr,
  type LinkAttr,
} from '../data/attrs.js'
import { createCelCompiler } from '../data/cel.js'
import { isRecord } from '../data/is-record.js'
import { createPermissions } from '../data/permissions.js'
import { applySchema } from '../data/schema.js'
import { valueTypeError } from '../data/tx-entities.js'
import { BackupError } from './backup-error.js'
import {
  CONFIG_ENTRY,
  FILES_PREFIX,
  namespaceOf,
  parseConfig,
  type BackupConfig,
} from './format.js'
import { isUuid } from '../data/ids.js'
import { readLines } from './lines.js'
import { openZip, type ZipArchive, type ZipEntry } from './zip-reader.js'

/** The `meta` key holding imported rules, which Local Instant then starts with. */
export const META_RULES = 'rules'

/** The largest `config.json` read (it is read whole; Instant's are a few KiB). */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024

/** The page cache of an import, in KiB as `PRAGMA cache_size` takes it negated: 32 MiB. */
const IMPORT_CACHE_KIB = -32 * 1024

/** How often (entities) the importer looks at the clock to report progress. */
const PROGRESS_EVERY_ENTITIES = 5_000
/** The least time between two progress reports, by default. */
const PROGRESS_INTERVAL_MS = 1_000

/** How an import went so far, for a progress line. */
export interface ImportProgress {
  entities: number
  /** The entry being read, e.g. `entities/posts.jsonl`. */
  file: string
}

export interface ImportBackupOptions {
  /** Wipe a database that already holds data (users, entities or attrs) instead of refusing. */
  replace?: boolean
  /** Called about once a second while entities load. */
  onProgress?: (progress: ImportProgress) => void
  /** How errors name the database (its path); `node:sqlite` handles do not know it. */
  database?: string
  /** The least time between two progress reports. Default 1,000 ms. */
  progressIntervalMs?: number
}

/** What an import loaded, beside what the backup says it holds. */
export interface ImportSummary {
  /** Entities loaded per namespace. */
  imported: Record<string, number>
  /** The backup's own `counts`. */
  counts: Record<string, number>
  /** `files/` blobs in the archive, which Local Instant (no file storage yet) does not keep. */
  fileBlobs: number
  /** True when the backup carried permission rules (now stored in the database). */
  rules: boolean
}

/** Imports `archivePath` into the open, migrated `db`. Throws a `BackupError`; writes nothing then. */
export async function importBackup(
  db: Database,
  archivePath: string,
  options: ImportBackupOptions = {},
): Promise<ImportSummary> {
  const zip = await openZip(archivePath)
  try {
    const configEntry = zip.entries.find((e) => e.name === CONFIG_ENTRY)
    if (!configEntry)
      throw new BackupError(`no ${CONFIG_ENTRY} in the archive`, { file: archivePath })
    if (configEntry.uncompressedSize > MAX_CONFIG_BYTES) {
      throw new BackupError(`larger than ${MAX_CONFIG_BYTES} bytes`, { file: CONFIG_ENTRY })
    }
    const config = parseConfig(await zip.readEntry(configEntry))
    refuseIfNotEmpty(db, options.replace === true, options.database ?? 'the database')
    // Bulk-load settings, for this transaction only: the loader inserts each entity before its
    // values (and checks every link itself), so SQLite's per-row foreign key checks are spared;
    // a bigger page cache keeps the indexes being built from spilling to the WAL mid-import.
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number
    const cacheSize = db.pragma('cache_size', { simple: true }) as number
    db.pragma('foreign_keys = OFF')
    db.pragma(`cache_size = ${IMPORT_CACHE_KIB}`)
    try {
      db.exec('BEGIN IMMEDIATE')
      try {
        const summary = await load(db, zip, config, options)
        db.exec('COMMIT')
        return summary
      } catch (err) {
        db.exec('ROLLBACK')
        throw err
      }
    } finally {
      // PRAGMA takes no bound parameters; both values are integers SQLite gave us.
      db.pragma(`cache_size = ${cacheSize}`)
      db.pragma(`foreign_keys = ${foreignKeys}`)
    }
  } finally {
    await zip.close()
  }
}

function refuseIfNotEmpty(db: Database, replace: boolean, database: string): void {
  if (replace) return
  const row = db
    .prepare<[], { entities: number; users: number; attrs: number }>(
      'SELECT (SELECT COUNT(*) FROM data_entities) AS entities, (SELECT COUNT(*) FROM users) AS users, ' +
        '(SELECT COUNT(*) FROM data_attrs) AS attrs',
    )
    .get()
  if (row && (row.entities > 0 || row.users > 0 || row.attrs > 0)) {
    throw new BackupError(
      `the database already holds data (${row.entities} entities, ${row.users} users, ` +
        `${row.attrs} attributes); import into an empty one, or replace it (--replace)`,
      { file: database },
    )
  }
}

const WIPE = `
  DELETE FROM data_links; DELETE FROM data_triples; DELETE FROM data_entities; DELETE FROM data_attrs;
  DELETE FROM refresh_tokens; DELETE FROM magic_codes; DELETE FROM users;
  DELETE FROM meta WHERE key = '${META_RULES}';
`

/** How a key of an entity line resolves. */
type Field =
  | { kind: 'data'; attr: DataAttr }
  | { kind: 'link'; attr: LinkAttr; forward: boolean; hasOne: boolean }
  | { kind: 'skip' }

async function load(
  db: Database,
  zip: ZipArchive,
  config: BackupConfig,
  options: ImportBackupOptions,
): Promise<ImportSummary> {
  db.exec(WIPE)
  const registry = createAttrRegistry(db)
  try {
    applySchema(registry, config.schema)
  } catch (err) {
    throw new BackupError(`bad schema: ${(err as Error).message}`, {
      file: CONFIG_ENTRY,
      cause: err,
    })
  }
  if (config.rules !== null) {
    try {
      createPermissions(createCelCompiler()).setRules(config.rules)
    } catch (err) {
      throw new BackupError(`bad rules: ${(err as Error).message}`, {
        file: CONFIG_ENTRY,
        cause: err,
      })
    }
    setMeta(db, META_RULES, JSON.stringify(config.rules))
  }

  // Secondary indexes are built once at the end, from sorted data, rather than row by row.
  // Their definitions are read from the file itself, so a later migration's indexes come back.
  const indexes = db
    .prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL " +
        "AND tbl_name IN ('data_triples', 'data_links')",
    )
    .all()
  for (const { name } of indexes) db.exec(`DROP INDEX "${name.replaceAll('"', '""')}"`)
  const loader = createLoader(db, registry)
  const imported: Record<string, number> = {}
  let fileBlobs = 0
  let total = 0
  let lastReport = Date.now()
  for (const entry of zip.entries) {
    if (entry.name === CONFIG_ENTRY || entry.name.endsWith('/')) continue
    if (entry.name.startsWith(FILES_PREFIX)) {
      fileBlobs++
      continue
    }
    const ns = namespaceOf(entry.name)
    if (ns === undefined) {
      throw new BackupError('unexpected entry (expected config.json, entities/*.jsonl, files/*)', {
        file: entry.name,
      })
    }
    let count = 0
    for await (const [line, text] of linesOf(zip, entry)) {
      loader.line(ns, entry.name, line, text)
      count++
      if (++total % PROGRESS_EVERY_ENTITIES === 0 && options.onProgress) {
        const now = Date.now()
        if (now - lastReport >= (options.progressIntervalMs ?? PROGRESS_INTERVAL_MS)) {
          lastReport = now
          options.onProgress({ entities: total, file: entry.name })
        }
      }
    }
    imported[ns] = (imported[ns] ?? 0) + count
  }
  loader.finishUsers()
  for (const { sql } of indexes) db.exec(sql)
  await checkLinks(db, zip, registry)
  await checkUnique(db, zip, registry)
  return { imported, counts: config.counts, fileBlobs, rules: config.rules !== null }
}

async function* linesOf(zip: ZipArchive, entry: ZipEntry): AsyncGenerator<[number, string]> {
  const stream = await zip.openEntry(entry)
  try {
    yield* readLines(stream, (line) => new BackupError('line too long', { file: entry.name, line }))
  } finally {
    stream.destroy()
  }
}

/** The prepared inserts and the per-line checks. */
function createLoader(db: Database, registry: AttrRegistry) {
  const q = {
    entity: db.prepare('INSERT INTO data_entities (ns, id, created_at) VALUES (?, ?, ?)'),
    triple: db.prepare('INSERT INTO data_triples (ns, eid, attr, value) VALUES (?, ?, ?, ?)'),
    link: db.prepare('INSERT OR IGNORE INTO data_links (attr_id, source, target) VALUES (?, ?, ?)'),
    user: db.prepare(
      'INSERT INTO users (id, email, type, created_at, extra) VALUES (?, ?, ?, ?, ?)',
    ),
    setPrimary: db.prepare(
      "UPDATE users SET extra = json_set(extra, '$.linkedPrimaryUser', ?) WHERE id = ?",
    ),
  }
  const fields = new Map<string, Field | undefined>()
  function field(ns: string, label: string): Field | undefined {
    const key = `${ns}\u0000${label}`
    if (fields.has(key)) return fields.get(key)
    let f: Field | undefined
    const data = registry.data(ns, label)
    const link = registry.link(ns, label)
    if (label === 'id') f = { kind: 'skip' }
    else if (data) f = { kind: 'data', attr: data }
    else if (link) f = { kind: 'link', attr: link.attr, forward: link.forward, hasOne: link.hasOne }
    fields.set(key, f)
    return f
  }
  /** Guests named by a `linkedGuestUsers` key: set once every `$users` row exists. */
  const pendingGuests: [guest: string, primary: string][] = []

  function line(ns: string, file: string, lineNo: number, text: string): void {
    const refuse = (message: string, cause?: unknown): BackupError =>
      new BackupError(message, { file, line: lineNo, cause })
    let row: unknown
    try {
      row = JSON.parse(text)
    } catch (err) {
      throw refuse(`not JSON: ${(err as Error).message}`, err)
    }
    if (!isRecord(row) || !isRecord(row['entity']))
      throw refuse('expected { "entity": {…}, "createdAt": <ms> }')
    const entity = row['entity']
    const id = entity['id']
    if (id === undefined) throw refuse('the entity has no "id"')
    if (!isUuid(id)) throw refuse(`"id" must be a UUID, got ${JSON.stringify(id)}`)
    const createdAt = row['createdAt']
    if (typeof createdAt !== 'number' || !Number.isFinite(createdAt)) {
      throw refuse(`"createdAt" must be a time in ms, got ${JSON.stringify(createdAt)}`)
    }
    const users = ns === '$users'
    const extra: Record<string, unknown> = {}
    let email: string | null = null
    let type: string | null = null
    if (!users)
      insert(() => q.entity.run(ns, id, Math.trunc(createdAt)), refuse, `duplicate id ${id}`)
    for (const [label, value] of Object.entries(entity)) {
      const f = field(ns, label)
      if (!f)
        throw refuse(`${ns}.${label} is neither an attribute nor a link in config.json's schema`)
      if (f.kind === 'skip') continue
      if (f.kind === 'data') {
        const wrong = valueTypeError(f.attr, value)
        if (wrong) throw refuse(wrong)
        if (!users) q.triple.run(ns, id, label, JSON.stringify(value ?? null))
        else if (label === 'email') {
          if (value !== null && typeof value !== 'string')
            throw refuse('$users.email must be a string')
          email = value as string | null
        } else if (label === 'type') type = value === null ? null : String(value)
        else if (!USERS_SYSTEM_LABELS.has(label) || label === 'imageURL') extra[label] = value
        continue
      }
      const ids = linkIds(value, f.hasOne, `${ns}.${label}`, refuse)
      if (f.attr.id === LINKED_PRIMARY_USER_ATTR_ID) {
        if (f.forward) {
          if (ids[0] !== undefined) extra['linkedPrimaryUser'] = ids[0]
        } else for (const guest of ids) pendingGuests.push([guest, id])
        continue
      }
      for (const other of ids) {
        if (f.forward) q.link.run(f.attr.id, id, other)
        else q.link.run(f.attr.id, other, id)
      }
    }
    if (users) {
      const extraJson = JSON.stringify(extra)
      insert(
        () => q.user.run(id, email, type, Math.trunc(createdAt), extraJson),
        refuse,
        `duplicate $users id ${id}${email === null ? '' : ' or email'}`,
      )
    }
  }

  return {
    line,
    finishUsers() {
      for (const [guest, primary] of pendingGuests) {
        if (q.setPrimary.run(primary, guest).changes === 0) {
          const place = { file: 'entities/$users.jsonl' }
          throw new BackupError(
            `$users.linkedGuestUsers of ${primary} links to ${guest}, which is not a $users entity in the backup`,
            place,
          )
        }
      }
    },
  }
}

/** A link's value: one id (has-one) or an array of ids (has-many); Instant writes these. */
function linkIds(
  value: unknown,
  hasOne: boolean,
  what: string,
  refuse: (message: string) => BackupError,
): string[] {
  if (value === null) return []
  const ids = Array.isArray(value) ? value : [value]
  if (hasOne && ids.length > 1)
    throw refuse(`${what} is a has-one link but holds ${ids.length} ids`)
  for (const v of ids) {
    if (!isUuid(v)) throw refuse(`${what} must hold entity ids, got ${JSON.stringify(v)}`)
  }
  return ids as string[]
}

function insert(
  run: () => void,
  refuse: (message: string) => BackupError,
  duplicate: string,
): void {
  try {
    run()
  } catch (err) {
    // better-sqlite3 says SQLITE_CONSTRAINT_* in `code`; node:sqlite only in the message.
    const { code, message } = err as { code?: unknown; message?: unknown }
    const constraint =
      (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) ||
      (typeof message === 'string' && message.includes('constraint failed'))
    if (constraint) throw refuse(duplicate)
    throw err
  }
}

/** Every link must join two entities of the backup; the first that does not is reported. */
async function checkLinks(db: Database, zip: ZipArchive, registry: AttrRegistry): Promise<void> {
  // One query per link attr, its two namespaces known: index seeks, no JSON per row.
  const exists = (side: 'source' | 'target', ns: string, param: string): string =>
    ns === '$users'
      ? `EXISTS (SELECT 1 FROM users u WHERE u.id = l.${side})`
      : `EXISTS (SELECT 1 FROM data_entities e WHERE e.ns = @${param} AND e.id = l.${side})`
  type Dangling = { attr_id: string; source: string; target: string; source_ok: number }
  let dangling: Dangling | undefined
  for (const attr of registry.all()) {
    if (attr.kind !== 'link' || attr.id === LINKED_PRIMARY_USER_ATTR_ID) continue
    const source = exists('source', attr.ns, 'ns')
    const target = exists('target', attr.revNs, 'revNs')
    const params: Record<string, string> = { attr: attr.id }
    if (attr.ns !== '$users') params['ns'] = attr.ns
    if (attr.revNs !== '$users') params['revNs'] = attr.revNs
    dangling = db
      .prepare<[Record<string, string>], Dangling>(
        `SELECT l.attr_id, l.source, l.target, ${source} AS source_ok FROM data_links l
         WHERE l.attr_id = @attr AND NOT (${source} AND ${target}) LIMIT 1`,
      )
      .get(params)
    if (dangling) break
  }
  if (dangling) {
    const attr = registry.byId(dangling.attr_id) as LinkAttr
    // The line that wrote the link is the one of the end that exists.
    const [ns, id, label, otherNs, otherId] =
      dangling.source_ok === 1
        ? [attr.ns, dangling.source, attr.label, attr.revNs, dangling.target]
        : [attr.revNs, dangling.target, attr.revLabel, attr.ns, dangling.source]
    const place = (await findLine(zip, ns, id, label)) ?? { file: `entities/${ns}.jsonl` }
    throw new BackupError(
      `${ns}.${label} of ${id} links to ${otherId}, which is not a ${otherNs} entity in the backup`,
      place,
    )
  }
  const orphanGuest = db
    .prepare<[], { id: string; primary: string }>(
      `SELECT id, json_extract(extra, '$.linkedPrimaryUser') AS "primary" FROM users g
       WHERE "primary" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users p WHERE p.id = "primary")
       LIMIT 1`,
    )
    .get()
  if (orphanGuest) {
    const place = (await findLine(zip, '$users', orphanGuest.id, 'linkedPrimaryUser')) ?? {
      file: 'entities/$users.jsonl',
    }
    throw new BackupError(
      `$users.linkedPrimaryUser links ${orphanGuest.id} to ${orphanGuest.primary}, which is not a $users entity in the backup`,
      place,
    )
  }
}

/** Re-reads `entities/<ns>.jsonl` for the line of entity `id` that holds `label`. */
async function findLine(
  zip: ZipArchive,
  ns: string,
  id: string,
  label: string,
): Promise<{ file: string; line: number } | undefined> {
  const file = `entities/${ns}.jsonl`
  const entry = zip.entries.find((e) => e.name === file)
  if (!entry) return undefined
  for await (const [line, text] of linesOf(zip, entry)) {
    if (!text.includes(id)) continue
    const row = JSON.parse(text) as { entity: Record<string, unknown> }
    if (row.entity['id'] === id && label in row.entity) return { file, line }
  }
  return undefined
}

/** A `unique` attribute holds each value once (`$users.email` is a unique column already). */
async function checkUnique(db: Database, zip: ZipArchive, registry: AttrRegistry): Promise<void> {
  const twice = db.prepare<[string, string], { value: string; first: string; second: string }>(
    `SELECT value, MIN(eid) AS first, MAX(eid) AS second FROM data_triples
     WHERE ns = ? AND attr = ? GROUP BY value HAVING COUNT(*) > 1 LIMIT 1`,
  )
  for (const attr of registry.all()) {
    if (attr.kind !== 'data' || !attr.unique || attr.ns === '$users' || attr.label === 'id')
      continue
    const dup = twice.get(attr.ns, attr.label)
    if (!dup) continue
    const place = (await findLine(zip, attr.ns, dup.second, attr.label)) ?? {
      file: `entities/${attr.ns}.jsonl`,
    }
    throw new BackupError(
      `${attr.ns}.${attr.label} is unique, but ${dup.first} and ${dup.second} both hold ${dup.value}`,
      place,
    )
  }
}
