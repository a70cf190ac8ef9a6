/**
 * Row-level access to the data tables (see migrations.ts) and, for `$users`, to the auth side's
 * `users` table. Every statement is prepared once, when the engine starts.
 */
import type { Database } from 'better-sqlite3'
import type { UserRow } from '../users.js'
import { LINKED_PRIMARY_USER_ATTR_ID } from './attrs.js'

/** An entity as stored: its attribute values (without `id`) and `$serverCreatedAt` in ms. */
export interface StoredEntity {
  id: string
  createdAt: number
  attrs: Record<string, unknown>
}

/** The `$users` columns that are real columns of `users`; everything else lives in `extra`. */
const USER_COLUMNS: ReadonlySet<string> = new Set(['email', 'type'])

/** Statements over the data tables, with `$users` routed to the `users` table. */
export interface Store {
  nextTxId(): number
  /** Forgets cached namespaces; called when a transaction rolls back. */
  clearCache(): void
  exists(ns: string, id: string): boolean
  load(ns: string, id: string): StoredEntity | undefined
  scan(ns: string): StoredEntity[]
  /** Ids of `ns` entities whose `label` equals `value` (an index seek outside `$users`). */
  idsByValue(ns: string, label: string, value: unknown): string[]
  create(ns: string, id: string, createdAt: number): void
  setAttr(ns: string, id: string, label: string, value: unknown): void
  deleteEntity(ns: string, id: string): void
  targets(attrId: string, source: string): string[]
  sources(attrId: string, target: string): string[]
  addLink(attrId: string, source: string, target: string): void
  removeLink(attrId: string, source: string, target: string): void
  removeLinksFrom(attrId: string, source: string): void
  removeLinksTo(attrId: string, target: string): void
  /** Drops every value of a data attr, or every link of a link attr. */
  dropAttrData(attrId: string, ns: string, label: string, isLink: boolean): void
}

/** Encodes a value for `data_triples.value`; JSON text so equality is text equality. */
function encodeValue(value: unknown): string {
  return JSON.stringify(value ?? null)
}

/** Prepares the statements. */
export function createStore(db: Database): Store {
  const q = {
    getTx: db.prepare<[], { value: number }>("SELECT value FROM data_meta WHERE key = 'tx_id'"),
    setTx: db.prepare("UPDATE data_meta SET value = ? WHERE key = 'tx_id'"),
    exists: db.prepare<[string, string], { created_at: number }>(
      'SELECT created_at FROM data_entities WHERE ns = ? AND id = ?',
    ),
    triplesOf: db.prepare<[string, string], { attr: string; value: string }>(
      'SELECT attr, value FROM data_triples WHERE ns = ? AND eid = ?',
    ),
    scanEntities: db.prepare<[string], { id: string; created_at: number }>(
      'SELECT id, created_at FROM data_entities WHERE ns = ?',
    ),
    scanTriples: db.prepare<[string], { eid: string; attr: string; value: string }>(
      'SELECT eid, attr, value FROM data_triples WHERE ns = ?',
    ),
    byValue: db.prepare<[string, string, string], { eid: string }>(
      'SELECT eid FROM data_triples WHERE ns = ? AND attr = ? AND value = ?',
    ),
    create: db.prepare('INSERT INTO data_entities (ns, id, created_at) VALUES (?, ?, ?)'),
    setAttr: db.prepare(
      'INSERT INTO data_triples (ns, eid, attr, value) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (ns, eid, attr) DO UPDATE SET value = excluded.value',
    ),
    deleteEntity: db.prepare('DELETE FROM data_entities WHERE ns = ? AND id = ?'),
    targets: db.prepare<[string, string], { target: string }>(
      'SELECT target FROM data_links WHERE attr_id = ? AND source = ?',
    ),
    sources: db.prepare<[string, string], { source: string }>(
      'SELECT source FROM data_links WHERE attr_id = ? AND target = ?',
    ),
    addLink: db.prepare(
      'INSERT OR IGNORE INTO data_links (attr_id, source, target) VALUES (?, ?, ?)',
    ),
    removeLink: db.prepare(
      'DELETE FROM data_links WHERE attr_id = ? AND source = ? AND target = ?',
    ),
    removeFrom: db.prepare('DELETE FROM data_links WHERE attr_id = ? AND source = ?'),
    removeTo: db.prepare('DELETE FROM data_links WHERE attr_id = ? AND target = ?'),
    dropLinks: db.prepare('DELETE FROM data_links WHERE attr_id = ?'),
    dropTriples: db.prepare('DELETE FROM data_triples WHERE ns = ? AND attr = ?'),
    user: db.prepare<[string], UserRow>(
      'SELECT id, email, type, created_at, extra FROM users WHERE id = ?',
    ),
    users: db.prepare<[], UserRow>('SELECT id, email, type, created_at, extra FROM users'),
    userByEmail: db.prepare<[string], { id: string }>('SELECT id FROM users WHERE email = ?'),
    insertUser: db.prepare("INSERT INTO users (id, created_at, extra) VALUES (?, ?, '{}')"),
    setUserEmail: db.prepare('UPDATE users SET email = ? WHERE id = ?'),
    setUserType: db.prepare('UPDATE users SET type = ? WHERE id = ?'),
    setUserExtra: db.prepare('UPDATE users SET extra = ? WHERE id = ?'),
    deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),
    linkedGuests: db.prepare<[string], { id: string }>(
      "SELECT id FROM users WHERE json_extract(extra, '$.linkedPrimaryUser') = ?",
    ),
  }

  // `$users.linkedPrimaryUser` lives in the guest's `extra` JSON, where the auth side writes and
  // reads it; these make it behave as the has-one link it is in Instant.
  function primaryOf(guest: string): string[] {
    const row = q.user.get(guest)
    const extra = row ? (JSON.parse(row.extra) as Record<string, unknown>) : {}
    const primary = extra['linkedPrimaryUser']
    return typeof primary === 'string' ? [primary] : []
  }
  function setPrimary(guest: string, primary: string | undefined): void {
    const row = q.user.get(guest)
    if (!row) return
    const extra = JSON.parse(row.extra) as Record<string, unknown>
    if (primary === undefined) delete extra['linkedPrimaryUser']
    else extra['linkedPrimaryUser'] = primary
    q.setUserExtra.run(JSON.stringify(extra), guest)
  }
  const guestsOf = (primary: string): string[] => q.linkedGuests.all(primary).map((r) => r.id)
  const isPrimaryLink = (attrId: string): boolean => attrId === LINKED_PRIMARY_USER_ATTR_ID

  function userEntity(row: UserRow): StoredEntity {
    // Same shape Instant's triples give a $users entity: no app_id/created_at/isGuest.
    const attrs: Record<string, unknown> = {}
    if (row.email !== null) attrs['email'] = row.email
    if (row.type !== null) attrs['type'] = row.type
    for (const [k, v] of Object.entries(JSON.parse(row.extra) as Record<string, unknown>)) {
      // linkedPrimaryUser is a link in Instant, not an attribute, so it is no entity field.
      if (k !== 'linkedPrimaryUser' && k !== 'id') attrs[k] = v
    }
    return { id: row.id, createdAt: row.created_at, attrs }
  }

  /**
   * Write-through cache of whole namespaces, filled by the first scan. SQLite stays the source
   * of truth; the cache only spares re-reading and re-parsing every triple on each scan. Cached
   * entities are replaced, never mutated, so references callers hold stay stable.
   * `$users` is not cached: the auth side writes that table behind our back.
   */
  const cache = new Map<string, Map<string, StoredEntity>>()

  function load(ns: string, id: string): StoredEntity | undefined {
    if (ns === '$users') {
      const row = q.user.get(id)
      return row && userEntity(row)
    }
    const cached = cache.get(ns)
    if (cached) return cached.get(id)
    const e = q.exists.get(ns, id)
    if (!e) return undefined
    const attrs: Record<string, unknown> = {}
    for (const t of q.triplesOf.all(ns, id)) attrs[t.attr] = JSON.parse(t.value)
    return { id, createdAt: e.created_at, attrs }
  }

  function scan(ns: string): StoredEntity[] {
    if (ns === '$users') return q.users.all().map(userEntity)
    const cached = cache.get(ns)
    if (cached) return [...cached.values()]
    const byId = new Map<string, StoredEntity>()
    for (const r of q.scanEntities.all(ns)) {
      byId.set(r.id, { id: r.id, createdAt: r.created_at, attrs: {} })
    }
    for (const t of q.scanTriples.all(ns)) {
      const e = byId.get(t.eid)
      if (e) e.attrs[t.attr] = JSON.parse(t.value)
    }
    cache.set(ns, byId)
    return [...byId.values()]
  }

  return {
    nextTxId() {
      const next = (q.getTx.get()?.value ?? 0) + 1
      q.setTx.run(next)
      return next
    },
    exists: (ns, id) => (ns === '$users' ? q.user.get(id) : q.exists.get(ns, id)) !== undefined,
    clearCache: () => cache.clear(),
    load,
    scan,
    idsByValue(ns, label, value) {
      if (ns === '$users') {
        if (label === 'email' && typeof value === 'string') {
          return q.userByEmail.all(value).map((r) => r.id)
        }
        const key = encodeValue(value)
        return scan(ns)
          .filter((e) => (label === 'id' ? e.id === value : encodeValue(e.attrs[label]) === key))
          .map((e) => e.id)
      }
      return q.byValue.all(ns, label, encodeValue(value)).map((r) => r.eid)
    },
    create(ns, id, createdAt) {
      if (ns === '$users') q.insertUser.run(id, createdAt)
      else {
        q.create.run(ns, id, createdAt)
        cache.get(ns)?.set(id, { id, createdAt, attrs: {} })
      }
    },
    setAttr(ns, id, label, value) {
      if (ns !== '$users') {
        const encoded = encodeValue(value)
        q.setAttr.run(ns, id, label, encoded)
        const c = cache.get(ns)
        const e = c?.get(id)
        // Re-parse so the cache holds its own copy, as a scan would.
        if (e) c?.set(id, { ...e, attrs: { ...e.attrs, [label]: JSON.parse(encoded) as unknown } })
        return
      }
      if (USER_COLUMNS.has(label)) {
        const v = value === null || value === undefined ? null : String(value)
        if (label === 'email') q.setUserEmail.run(v, id)
        else q.setUserType.run(v, id)
        return
      }
      const row = q.user.get(id)
      if (!row) return
      const extra = JSON.parse(row.extra) as Record<string, unknown>
      extra[label] = value
      q.setUserExtra.run(JSON.stringify(extra), id)
    },
    deleteEntity(ns, id) {
      if (ns === '$users') q.deleteUser.run(id)
      else {
        q.deleteEntity.run(ns, id)
        cache.get(ns)?.delete(id)
      }
    },
    targets: (attrId, source) =>
      isPrimaryLink(attrId)
        ? primaryOf(source)
        : q.targets.all(attrId, source).map((r) => r.target),
    sources: (attrId, target) =>
      isPrimaryLink(attrId) ? guestsOf(target) : q.sources.all(attrId, target).map((r) => r.source),
    addLink(a, s, t) {
      if (isPrimaryLink(a)) setPrimary(s, t)
      else q.addLink.run(a, s, t)
    },
    removeLink(a, s, t) {
      if (!isPrimaryLink(a)) q.removeLink.run(a, s, t)
      else if (primaryOf(s)[0] === t) setPrimary(s, undefined)
    },
    removeLinksFrom(a, s) {
      if (isPrimaryLink(a)) setPrimary(s, undefined)
      else q.removeFrom.run(a, s)
    },
    removeLinksTo(a, t) {
      if (!isPrimaryLink(a)) q.removeTo.run(a, t)
      else for (const guest of guestsOf(t)) setPrimary(guest, undefined)
    },
    dropAttrData(attrId, ns, label, isLink) {
      if (isLink) q.dropLinks.run(attrId)
      else {
        q.dropTriples.run(ns, label)
        cache.delete(ns)
      }
    },
  }
}
