/**
 * The attrs as Instant's clients see them (the `attrs` of `init-ok` and `refresh-ok`): Instant's
 * shape, with a primary `id` attr for every namespace, persisted like any other attr so its id
 * stays stable for the life of the database.
 */
import { createHash } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { Attr, AttrRegistry } from './attrs.js'

/** One attr in Instant's wire shape (instant/db/model/attr.clj). */
export interface ClientAttr {
  id: string
  'forward-identity': [string, string, string]
  'reverse-identity'?: [string, string, string]
  'value-type': 'blob' | 'ref'
  cardinality: 'one' | 'many'
  'unique?': boolean
  'index?': boolean
  'primary?'?: true
  'checked-data-type'?: string
  'on-delete'?: 'cascade'
  'on-delete-reverse'?: 'cascade'
}

/** Value types Instant checks on the server (`checked-data-type`); json/any are unchecked. */
const CHECKED_TYPES: ReadonlySet<string> = new Set(['string', 'number', 'boolean', 'date'])

/**
 * Gives every namespace that has attrs or entities a primary `id` attr (unique, indexed), as
 * Instant does when it creates a namespace. Returns true when it added one.
 */
export function ensurePrimaryAttrs(db: Database, attrs: AttrRegistry): boolean {
  const namespaces = new Set<string>()
  for (const row of db.prepare<[], { ns: string }>('SELECT DISTINCT ns FROM data_entities').all()) {
    namespaces.add(row.ns)
  }
  for (const a of attrs.all()) {
    namespaces.add(a.ns)
    if (a.kind === 'link') namespaces.add(a.revNs)
  }
  let added = false
  for (const ns of namespaces) {
    if (attrs.data(ns, 'id') !== undefined) continue
    attrs.put({ kind: 'data', id: attrs.newId(), ns, label: 'id', unique: true, indexed: true })
    added = true
  }
  return added
}

/** Converts the registry's attrs to Instant's shape. */
export function clientAttrs(attrs: AttrRegistry): ClientAttr[] {
  return attrs.all().map(toClientAttr)
}

function toClientAttr(a: Attr): ClientAttr {
  if (a.kind === 'data') {
    const out: ClientAttr = {
      id: a.id,
      'forward-identity': [identId(a.id, 'forward'), a.ns, a.label],
      'value-type': 'blob',
      cardinality: 'one',
      'unique?': a.unique,
      'index?': a.indexed,
    }
    if (a.label === 'id') out['primary?'] = true
    if (a.valueType !== undefined && CHECKED_TYPES.has(a.valueType)) {
      out['checked-data-type'] = a.valueType
    }
    return out
  }
  const out: ClientAttr = {
    id: a.id,
    'forward-identity': [identId(a.id, 'forward'), a.ns, a.label],
    'reverse-identity': [identId(a.id, 'reverse'), a.revNs, a.revLabel],
    'value-type': 'ref',
    cardinality: a.has,
    'unique?': a.revHas === 'one',
    'index?': false,
  }
  if (a.onDelete === 'cascade') out['on-delete'] = 'cascade'
  if (a.onDeleteReverse === 'cascade') out['on-delete-reverse'] = 'cascade'
  return out
}

/** Ident ids are derived from the attr id, so they are as stable as it is without storage. */
function identId(attrId: string, side: 'forward' | 'reverse'): string {
  const h = createHash('sha256').update(`${attrId}\u0000${side}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}
