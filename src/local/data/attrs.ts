/**
 * The attribute registry: every data attribute and link the app knows, persisted in `data_attrs`
 * and mirrored in memory so steps and queries resolve labels without a query per lookup.
 */
import { randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'

/** Value types of `i.string()`, `i.number()`, …; `undefined` means untyped (Instant's blob). */
export type ValueType = 'string' | 'number' | 'boolean' | 'date' | 'json' | 'any'

/** A data attribute `ns.label`. */
export interface DataAttr {
  kind: 'data'
  id: string
  ns: string
  label: string
  valueType?: ValueType
  unique: boolean
  indexed: boolean
}

/** A link: forward label `ns.label` pointing at `revNs`, reverse label `revNs.revLabel`. */
export interface LinkAttr {
  kind: 'link'
  id: string
  ns: string
  label: string
  revNs: string
  revLabel: string
  /** Cardinality seen from the forward side. */
  has: 'one' | 'many'
  /** Cardinality seen from the reverse side (`one` is Instant's unique ref). */
  revHas: 'one' | 'many'
  /** `forward.onDelete: 'cascade'`: deleting a target deletes its sources. */
  onDelete?: 'cascade'
  /** `reverse.onDelete: 'cascade'`: deleting a source deletes its targets. */
  onDeleteReverse?: 'cascade'
}

export type Attr = DataAttr | LinkAttr

/** A link label resolved from one namespace: which attr, and which side we stand on. */
interface ResolvedLink {
  attr: LinkAttr
  /** True when the label is the forward label (we are the source). */
  forward: boolean
  /** The namespace at the other end. */
  otherNs: string
  /** True when this side sees at most one entity (drives `inference?`). */
  hasOne: boolean
}

/** Id of the system link `$users.linkedPrimaryUser` (reverse `linkedGuestUsers`). */
export const LINKED_PRIMARY_USER_ATTR_ID = 'sys-users-linkedPrimaryUser'

/** `$users` attributes and links that exist without any schema (system_catalog.clj). */
const USERS_SYSTEM_ATTRS: readonly Attr[] = [
  { kind: 'data', id: 'sys-users-id', ns: '$users', label: 'id', unique: true, indexed: true },
  {
    kind: 'data',
    id: 'sys-users-email',
    ns: '$users',
    label: 'email',
    valueType: 'string',
    unique: true,
    indexed: true,
  },
  {
    kind: 'data',
    id: 'sys-users-type',
    ns: '$users',
    label: 'type',
    valueType: 'string',
    unique: false,
    indexed: false,
  },
  {
    kind: 'data',
    id: 'sys-users-imageURL',
    ns: '$users',
    label: 'imageURL',
    valueType: 'string',
    unique: false,
    indexed: false,
  },
  // A guest linked to the account it signed in to; deleting that account deletes the guest.
  {
    kind: 'link',
    id: LINKED_PRIMARY_USER_ATTR_ID,
    ns: '$users',
    label: 'linkedPrimaryUser',
    revNs: '$users',
    revLabel: 'linkedGuestUsers',
    has: 'one',
    revHas: 'many',
    onDelete: 'cascade',
  },
]

/** Labels of `$users` that only admins may write (they are auth-owned columns). */
export const USERS_SYSTEM_LABELS: ReadonlySet<string> = new Set(['id', 'email', 'type', 'imageURL'])

/** The in-memory view of `data_attrs`; `reload()` re-reads it after a rolled-back transaction. */
export interface AttrRegistry {
  data(ns: string, label: string): DataAttr | undefined
  link(ns: string, label: string): ResolvedLink | undefined
  dataAttrsOf(ns: string): readonly DataAttr[]
  linksTouching(ns: string): readonly ResolvedLink[]
  byId(id: string): Attr | undefined
  /** Every attr, system ones included. */
  all(): readonly Attr[]
  /** Inserts or replaces an attr (matched by id) and persists it. */
  put(attr: Attr): void
  remove(id: string): void
  reload(): void
  newId(): string
}

/** Builds the registry on the migrated database. */
export function createAttrRegistry(db: Database): AttrRegistry {
  const selectAll = db.prepare<[], { def: string }>('SELECT def FROM data_attrs')
  const upsert = db.prepare(
    'INSERT INTO data_attrs (id, ns, label, def) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (id) DO UPDATE SET ns = excluded.ns, label = excluded.label, def = excluded.def',
  )
  const deleteById = db.prepare('DELETE FROM data_attrs WHERE id = ?')

  let byId = new Map<string, Attr>()
  let dataIndex = new Map<string, DataAttr>()
  let linkIndex = new Map<string, ResolvedLink>()
  let dataByNs = new Map<string, DataAttr[]>()
  let linksByNs = new Map<string, ResolvedLink[]>()

  const key = (ns: string, label: string): string => `${ns}\u0000${label}`

  function rebuild(attrs: Iterable<Attr>): void {
    byId = new Map()
    dataIndex = new Map()
    linkIndex = new Map()
    dataByNs = new Map()
    linksByNs = new Map()
    for (const a of [...USERS_SYSTEM_ATTRS, ...attrs]) {
      byId.set(a.id, a)
      if (a.kind === 'data') {
        dataIndex.set(key(a.ns, a.label), a)
        pushTo(dataByNs, a.ns, a)
      } else {
        const fwd: ResolvedLink = {
          attr: a,
          forward: true,
          otherNs: a.revNs,
          hasOne: a.has === 'one',
        }
        const rev: ResolvedLink = {
          attr: a,
          forward: false,
          otherNs: a.ns,
          hasOne: a.revHas === 'one',
        }
        linkIndex.set(key(a.ns, a.label), fwd)
        linkIndex.set(key(a.revNs, a.revLabel), rev)
        pushTo(linksByNs, a.ns, fwd)
        pushTo(linksByNs, a.revNs, rev)
      }
    }
  }

  function load(): void {
    rebuild(selectAll.all().map((r) => JSON.parse(r.def) as Attr))
  }
  load()

  return {
    data: (ns, label) => dataIndex.get(key(ns, label)),
    link: (ns, label) => linkIndex.get(key(ns, label)),
    dataAttrsOf: (ns) => dataByNs.get(ns) ?? [],
    linksTouching: (ns) => linksByNs.get(ns) ?? [],
    byId: (id) => byId.get(id),
    all: () => [...byId.values()],
    put(attr) {
      upsert.run(attr.id, attr.ns, attr.label, JSON.stringify(attr))
      const next = [...byId.values()].filter((a) => a.id !== attr.id && !a.id.startsWith('sys-'))
      rebuild([...next, attr])
    },
    remove(id) {
      deleteById.run(id)
      rebuild([...byId.values()].filter((a) => a.id !== id && !a.id.startsWith('sys-')))
    },
    reload: load,
    newId: () => randomUUID(),
  }
}

function pushTo<T>(map: Map<string, T[]>, k: string, v: T): void {
  const list = map.get(k)
  if (list) list.push(v)
  else map.set(k, [v])
}
