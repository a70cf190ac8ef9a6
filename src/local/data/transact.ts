/**
 * `POST /admin/transact`: validates the steps, creates missing attributes (or refuses when
 * `throw-on-missing-attrs?`), then runs every step and every permission check inside one SQLite
 * transaction, so a failure anywhere leaves nothing behind.
 */
import type { Database } from 'better-sqlite3'
import { LocalInstantError, paramMalformed, paramMissing } from '../errors.js'
import { USERS_SYSTEM_LABELS, type AttrRegistry, type DataAttr, type LinkAttr } from './attrs.js'
import { celRequest, toCelMap, type CelMap } from './cel.js'
import { assertSafeInput, permissionDenied, validationError } from './errors.js'
import { createGraphReader, type GraphReader } from './graph.js'
import { parseEntityRef, type EntityRef } from './ids.js'
import type { Caller } from './caller.js'
import { celAuth, celEntity, type Permissions, type Program } from './permissions.js'
import type { StoredEntity, Store } from './store.js'
import { isRecord } from './is-record.js'

const ENTITY_ACTIONS: ReadonlySet<string> = new Set([
  'create',
  'update',
  'merge',
  'link',
  'unlink',
  'delete',
  'ruleParams',
])
const ATTR_ACTIONS: ReadonlySet<string> = new Set(['add-attr', 'update-attr', 'delete-attr'])
const OBJECT_ACTIONS: ReadonlySet<string> = new Set(['create', 'update', 'merge'])

/** What a transaction needs from the engine. */
export interface TransactDeps {
  db: Database
  store: Store
  attrs: AttrRegistry
  permissions: Permissions
}

/** Instant's `merge`: objects merge recursively, anything else replaces. */
function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isRecord(base) || !isRecord(patch)) return patch
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(base[k], v)
  return out
}

function valueTypeError(attr: DataAttr, value: unknown): string | undefined {
  if (value === null || value === undefined || !attr.valueType) return undefined
  const actual = Array.isArray(value) ? 'array' : typeof value
  const ok =
    attr.valueType === 'string'
      ? actual === 'string'
      : attr.valueType === 'number'
        ? actual === 'number'
        : attr.valueType === 'boolean'
          ? actual === 'boolean'
          : attr.valueType === 'date'
            ? actual === 'string' || actual === 'number'
            : true
  return ok
    ? undefined
    : `Invalid value type for ${attr.ns}.${attr.label}. Value must be a ${attr.valueType} but the provided value type is ${actual}.`
}

interface Step {
  idx: number
  action: string
  ns: string
  ref: EntityRef
  args: Record<string, unknown>
  opts: Record<string, unknown>
}

interface DeferredLink {
  kind: 'link' | 'unlink'
  ns: string
  id: string
  label: string
  otherNs: string
  otherId: string
}

/** Runs one `/admin/transact` body and returns `{ 'tx-id': n }`. */
export function runTransact(
  deps: TransactDeps,
  body: unknown,
  caller: Caller,
): { 'tx-id': number } {
  if (!isRecord(body) || body['steps'] === undefined || body['steps'] === null) {
    throw paramMissing(['body', 'steps'])
  }
  const steps = body['steps']
  if (!Array.isArray(steps)) throw paramMalformed(['body', 'steps'], steps)
  assertSafeInput('steps', steps)
  const throwOnMissing = body['throw-on-missing-attrs?'] === true
  const parsed = parseSteps(steps)
  try {
    return deps.db.transaction(() => new TxRun(deps, caller, steps, parsed, throwOnMissing).run())()
  } catch (e) {
    // The SQLite rollback undid data_attrs; bring the in-memory registry back in line.
    deps.attrs.reload()
    deps.store.clearCache()
    throw e
  }
}

type ParsedStep = Step | { idx: number; action: string; raw: unknown[] }

function parseSteps(steps: unknown[]): ParsedStep[] {
  const fail = (message: string, at?: unknown[]): never => {
    throw validationError('steps', steps, [at ? { message, in: at } : { message }])
  }
  return steps.map((s, idx): ParsedStep => {
    if (!Array.isArray(s) || typeof s[0] !== 'string')
      return fail('Each step must be an array.', [idx])
    const action = s[0]
    if (ATTR_ACTIONS.has(action)) return { idx, action, raw: s }
    if (!ENTITY_ACTIONS.has(action)) return fail(`Unknown action "${action}".`, [idx, 0])
    if (typeof s[1] !== 'string' || s[1] === '')
      return fail('The namespace must be a string.', [idx, 1])
    const ref = parseEntityRef(s[2])
    if (!ref) {
      fail(
        `Invalid entity ID '${typeof s[2] === 'string' ? s[2] : JSON.stringify(s[2])}'. Entity IDs must be UUIDs or lookup references.`,
        [idx, 2],
      )
    }
    const args = s[3] === undefined || s[3] === null ? {} : s[3]
    if (!isRecord(args)) return fail('The step arguments must be an object.', [idx, 3])
    const { id: _dropped, ...rest } = args
    const opts = isRecord(s[4]) ? s[4] : {}
    return { idx, action, ns: s[1], ref: ref as EntityRef, args: rest, opts }
  })
}

class TxRun {
  private readonly reader: GraphReader
  private readonly now = Date.now()
  private readonly created = new Set<string>()
  private readonly ruleParams = new Map<string, Record<string, unknown>>()
  private readonly deferredLinks: DeferredLink[] = []
  private readonly auth: CelMap
  private readonly admin: boolean

  constructor(
    private readonly deps: TransactDeps,
    private readonly caller: Caller,
    private readonly rawSteps: unknown[],
    private readonly steps: ParsedStep[],
    private readonly throwOnMissing: boolean,
  ) {
    this.reader = createGraphReader(deps.store, deps.attrs, false)
    this.admin = caller.kind === 'admin'
    this.auth = celAuth(caller.kind === 'user' ? caller.user : undefined, this.reader)
  }

  run(): { 'tx-id': number } {
    // Explicit attr steps first, so the labels they declare are not auto-created as blobs.
    for (const s of this.steps) if (!('ref' in s)) this.attrStep(s.action, s.raw, s.idx)
    this.createMissingAttrs()
    for (const s of this.steps) {
      if ('ref' in s && s.action === 'ruleParams') {
        const id = this.resolve(s.ns, s.ref, 'none')
        const k = `${s.ns}\u0000${id ?? JSON.stringify(s.ref)}`
        this.ruleParams.set(k, { ...this.ruleParams.get(k), ...s.args })
      }
    }
    for (const s of this.steps) {
      if (!('ref' in s)) continue
      else if (OBJECT_ACTIONS.has(s.action)) this.objectStep(s)
      else if (s.action === 'delete') this.deleteStep(s)
      else if (s.action === 'link' || s.action === 'unlink') this.linkStep(s)
    }
    if (!this.admin) this.deferredChecks()
    return { 'tx-id': this.deps.store.nextTxId() }
  }

  // ---- attributes -------------------------------------------------------------------------

  private createMissingAttrs(): void {
    const { attrs } = this.deps
    const missing: string[] = []
    const toCreate: (() => void)[] = []
    const seen = new Set<string>()
    const needData = (ns: string, label: string, lookup: boolean): void => {
      if (label === 'id' || attrs.data(ns, label) || attrs.link(ns, label)) return
      const k = `${ns}.${label}`
      if (seen.has(k)) return
      seen.add(k)
      missing.push(k)
      toCreate.push(() =>
        attrs.put({ kind: 'data', id: attrs.newId(), ns, label, unique: lookup, indexed: lookup }),
      )
    }
    const needLink = (ns: string, label: string): string => {
      const existing = attrs.link(ns, label)
      if (existing) return existing.otherNs
      const k = `${ns}.${label}`
      if (!seen.has(k)) {
        seen.add(k)
        missing.push(k)
        toCreate.push(() => {
          const link: LinkAttr = {
            kind: 'link',
            id: attrs.newId(),
            ns,
            label,
            revNs: label,
            revLabel: ns,
            has: 'many',
            revHas: 'many',
          }
          attrs.put(link)
        })
      }
      return label
    }
    for (const s of this.steps) {
      if (!('ref' in s)) continue
      if ('lookup' in s.ref && !s.ref.lookup.label.includes('.')) {
        needData(s.ns, s.ref.lookup.label, true)
      }
      if (OBJECT_ACTIONS.has(s.action)) {
        for (const label of Object.keys(s.args)) needData(s.ns, label, false)
      } else if (s.action === 'link' || s.action === 'unlink') {
        for (const [label, targets] of Object.entries(s.args)) {
          const otherNs = needLink(s.ns, label)
          for (const t of Array.isArray(targets) ? targets : [targets]) {
            const ref = parseEntityRef(t)
            if (ref && 'lookup' in ref) needData(otherNs, ref.lookup.label, true)
          }
        }
      }
    }
    if (missing.length === 0) return
    if (this.throwOnMissing) {
      throw validationError('steps', this.rawSteps, [
        { message: 'Attributes are missing in your schema', hint: { attributes: missing } },
      ])
    }
    for (const create of toCreate) create()
  }

  private attrStep(action: string, raw: unknown[], idx: number): void {
    const { attrs, store } = this.deps
    const fail = (message: string): never => {
      throw validationError('steps', this.rawSteps, [{ message, in: [idx, 1] }])
    }
    if (action === 'delete-attr') {
      const id = String(raw[1])
      const attr = attrs.byId(id)
      if (!attr || id.startsWith('sys-')) return
      store.dropAttrData(attr.id, attr.ns, attr.label, attr.kind === 'link')
      attrs.remove(id)
      return
    }
    const a = raw[1]
    if (!isRecord(a)) return fail('The attribute must be an object.')
    const fwd = Array.isArray(a['forward-identity']) ? a['forward-identity'] : undefined
    const sameLabel =
      fwd &&
      (attrs.data(String(fwd[1]), String(fwd[2])) ??
        attrs.link(String(fwd[1]), String(fwd[2]))?.attr)
    const existing = (typeof a['id'] === 'string' ? attrs.byId(a['id']) : undefined) ?? sameLabel
    if (action === 'update-attr' && !existing)
      return fail(`Attribute ${String(a['id'])} does not exist.`)
    const rev = Array.isArray(a['reverse-identity']) ? a['reverse-identity'] : undefined
    const ns = String(fwd?.[1] ?? existing?.ns ?? '')
    const label = String(fwd?.[2] ?? existing?.label ?? '')
    if (!ns || !label) return fail('The attribute needs a forward-identity [id, namespace, label].')
    const id = existing?.id ?? (typeof a['id'] === 'string' ? a['id'] : attrs.newId())
    const isRef =
      a['value-type'] === 'ref' || (existing?.kind === 'link' && a['value-type'] === undefined)
    if (isRef) {
      const prev = existing?.kind === 'link' ? existing : undefined
      const cardinality = a['cardinality'] ?? prev?.has ?? 'many'
      const unique = a['unique?'] ?? (prev ? prev.revHas === 'one' : false)
      const link: LinkAttr = {
        kind: 'link',
        id,
        ns,
        label,
        revNs: String(rev?.[1] ?? prev?.revNs ?? label),
        revLabel: String(rev?.[2] ?? prev?.revLabel ?? ns),
        has: cardinality === 'one' ? 'one' : 'many',
        revHas: unique === true ? 'one' : 'many',
      }
      const onDelete = a['on-delete'] ?? prev?.onDelete
      const onDeleteReverse = a['on-delete-reverse'] ?? prev?.onDeleteReverse
      if (onDelete === 'cascade') link.onDelete = 'cascade'
      if (onDeleteReverse === 'cascade') link.onDeleteReverse = 'cascade'
      attrs.put(link)
    } else {
      const prev = existing?.kind === 'data' ? existing : undefined
      const data: DataAttr = {
        kind: 'data',
        id,
        ns,
        label,
        unique: (a['unique?'] ?? prev?.unique ?? false) === true,
        indexed: (a['index?'] ?? prev?.indexed ?? false) === true,
      }
      const t = a['checked-data-type'] ?? prev?.valueType
      if (t === 'string' || t === 'number' || t === 'boolean' || t === 'date') data.valueType = t
      attrs.put(data)
    }
  }

  // ---- entities ---------------------------------------------------------------------------

  /**
   * Resolves a reference to an id. `create` mints an id for an unresolved lookup (the caller
   * then writes the lookup value); `none` returns undefined for it.
   */
  private resolve(ns: string, ref: EntityRef, mode: 'create' | 'none'): string | undefined {
    if ('id' in ref) return ref.id
    const { label, value } = ref.lookup
    if (label === 'id') return typeof value === 'string' ? value.toLowerCase() : undefined
    if (label.includes('.')) return this.resolveThroughLink(ns, label, value, mode)
    const attr = this.deps.attrs.data(ns, label)
    if (attr && !attr.unique) {
      throw validationError(
        'lookup',
        [label, value],
        [{ message: `${ns}.${label} is not a unique attribute, so it can't be used in a lookup.` }],
      )
    }
    const found = this.deps.store.idsByValue(ns, label, value)[0]
    if (found !== undefined) return found
    return mode === 'create' ? this.deps.attrs.newId() : undefined
  }

  /** `["owner.id", x]` / `["owner.email", x]`: the entity linked to the one the path finds. */
  private resolveThroughLink(
    ns: string,
    label: string,
    value: unknown,
    mode: 'create' | 'none',
  ): string | undefined {
    const [linkLabel, attrLabel] = label.split('.') as [string, string]
    const link = this.deps.attrs.link(ns, linkLabel)
    if (link) {
      const { store } = this.deps
      const others =
        attrLabel === 'id'
          ? typeof value === 'string' && store.exists(link.otherNs, value)
            ? [value]
            : []
          : store.idsByValue(link.otherNs, attrLabel, value)
      const backLabel = link.forward ? link.attr.revLabel : link.attr.label
      for (const other of others) {
        const found = this.reader.linked(link.otherNs, other, backLabel)?.ids[0]
        if (found !== undefined) return found
      }
    }
    if (mode === 'create') {
      throw validationError(
        'lookup',
        [label, value],
        [
          {
            message: `Local Instant cannot create an entity from the lookup \`${label}\` through a link.`,
          },
        ],
      )
    }
    return undefined
  }

  private paramsFor(ns: string, id: string): CelMap {
    return toCelMap(this.ruleParams.get(`${ns}\u0000${id}`) ?? {})
  }

  private check(program: Program | undefined, ns: string, vars: Record<string, unknown>): void {
    if (!program) return
    if (!this.deps.permissions.check(program, { auth: this.auth, request: celRequest(), ...vars }))
      throw permissionDenied(ns)
  }

  private entityVar(ns: string, e: StoredEntity): CelMap {
    return celEntity(ns, e, this.reader, this.deps.attrs)
  }

  private objectStep(s: Step): void {
    const { attrs, store } = this.deps
    const id = this.resolve(s.ns, s.ref, 'create') as string
    const key = `${s.ns}\u0000${id}`
    const old = store.load(s.ns, id)
    const tx = (message: string): LocalInstantError =>
      validationError('tx-step', [s.action, s.ns, id], [{ message }])
    if (s.action === 'create' && old && !this.created.has(key)) {
      throw tx(`Creating entities that exist: ${id}`)
    }
    if (s.action === 'update' && s.opts['upsert'] === false && !old) {
      throw tx(`Updating entities that don't exist: ${id}`)
    }
    const changes: Record<string, unknown> = { ...s.args }
    if ('lookup' in s.ref && !old) changes[s.ref.lookup.label] = s.ref.lookup.value
    if (!this.admin && s.ns === '$users') {
      if (!old) throw tx("$users is a system entity. You aren't allowed to create this directly.")
      const system = Object.keys(changes).filter((l) => USERS_SYSTEM_LABELS.has(l))
      if (system.length > 0) {
        throw tx(
          `The \`${system[0]}\` attribute of $users is a system attribute. Only admins can change it.`,
        )
      }
    }
    for (const [label, value] of Object.entries(changes)) {
      const attr = attrs.data(s.ns, label)
      if (!attr) continue
      const v = s.action === 'merge' ? deepMerge(old?.attrs[label], value) : value
      changes[label] = v
      const typeError = valueTypeError(attr, v)
      if (typeError) throw tx(typeError)
      if (attr.unique && v !== null && v !== undefined) {
        if (store.idsByValue(s.ns, label, v).some((other) => other !== id)) {
          throw new LocalInstantError(400, 'record-not-unique', 'Record not unique: avet', {
            'record-type': 'avet',
          })
        }
      }
    }
    if (old && !this.created.has(key) && !this.admin) {
      const next: StoredEntity = { ...old, attrs: { ...old.attrs, ...changes } }
      this.check(this.deps.permissions.program(s.ns, 'update'), s.ns, {
        data: this.entityVar(s.ns, old),
        newData: this.entityVar(s.ns, next),
        ruleParams: this.paramsFor(s.ns, id),
        request: celRequest(Object.keys(changes)),
      })
    }
    if (!old) {
      store.create(s.ns, id, this.now)
      this.created.add(key)
    }
    for (const [label, value] of Object.entries(changes)) {
      const link = attrs.link(s.ns, label)
      if (link) {
        this.applyLinks('link', s.ns, id, label, value, s.idx)
        continue
      }
      if (value === undefined) continue
      store.setAttr(s.ns, id, label, value)
    }
  }

  private deleteStep(s: Step): void {
    const id = this.resolve(s.ns, s.ref, 'none')
    if (id === undefined) return // Instant drops deletes whose lookup does not resolve.
    if (!this.admin && s.ns.startsWith('$') && s.ns !== '$files') {
      throw validationError(
        'tx-step',
        ['delete-entity', id, s.ns],
        [{ message: `${s.ns} is a system entity. You aren't allowed to delete this directly.` }],
      )
    }
    if (!this.admin) {
      // Instant expands the cascade before its checks, so every entity the delete removes must
      // pass its own `delete` rule, seeing the data as it was; cascaded ones get the root's
      // rule params on top of theirs.
      const rootParams = this.ruleParams.get(`${s.ns}\u0000${id}`) ?? {}
      for (const [ns, eid] of cascadeOf(this.deps, s.ns, id)) {
        const e = this.deps.store.load(ns, eid)
        if (!e) continue
        const own = this.ruleParams.get(`${ns}\u0000${eid}`)
        this.check(this.deps.permissions.program(ns, 'delete'), ns, {
          data: this.entityVar(ns, e),
          ruleParams: toCelMap(eid === id && ns === s.ns ? rootParams : { ...own, ...rootParams }),
        })
      }
    }
    deleteEntityCascading(this.deps, s.ns, id)
    this.created.delete(`${s.ns}\u0000${id}`)
  }

  private linkStep(s: Step): void {
    const id = this.resolve(s.ns, s.ref, s.action === 'link' ? 'create' : 'none')
    if (id === undefined) return
    if ('lookup' in s.ref && s.action === 'link' && !this.deps.store.exists(s.ns, id)) {
      this.deps.store.create(s.ns, id, this.now)
      this.deps.store.setAttr(s.ns, id, s.ref.lookup.label, s.ref.lookup.value)
      this.created.add(`${s.ns}\u0000${id}`)
    }
    for (const [label, targets] of Object.entries(s.args)) {
      this.applyLinks(s.action as 'link' | 'unlink', s.ns, id, label, targets, s.idx)
    }
  }

  private applyLinks(
    kind: 'link' | 'unlink',
    ns: string,
    id: string,
    label: string,
    targets: unknown,
    idx: number,
  ): void {
    const { attrs, store } = this.deps
    const link = attrs.link(ns, label)
    if (!link) return
    if (!this.admin && link.attr.id.startsWith('sys-')) {
      throw validationError(
        'tx-step',
        [kind, ns, id],
        [
          {
            message: `The \`${link.attr.label}\` attribute of ${link.attr.ns} is a system attribute. Only admins can change it.`,
          },
        ],
      )
    }
    for (const t of Array.isArray(targets) ? targets : [targets]) {
      const ref = parseEntityRef(t)
      if (!ref) {
        throw validationError('steps', this.rawSteps, [
          {
            message: `Invalid entity ID '${typeof t === 'string' ? t : JSON.stringify(t)}'. Entity IDs must be UUIDs or lookup references.`,
            in: [idx, 3, label],
          },
        ])
      }
      const otherId = this.resolve(link.otherNs, ref, kind === 'link' ? 'create' : 'none')
      if (otherId === undefined) continue
      if ('lookup' in ref && kind === 'link' && !store.exists(link.otherNs, otherId)) {
        store.create(link.otherNs, otherId, this.now)
        store.setAttr(link.otherNs, otherId, ref.lookup.label, ref.lookup.value)
        this.created.add(`${link.otherNs}\u0000${otherId}`)
      }
      const [source, target] = link.forward ? [id, otherId] : [otherId, id]
      if (kind === 'link') {
        // Cardinality one replaces, as Instant's add-triple does on a card-one / unique ref.
        if (link.attr.has === 'one') store.removeLinksFrom(link.attr.id, source)
        if (link.attr.revHas === 'one') store.removeLinksTo(link.attr.id, target)
        store.addLink(link.attr.id, source, target)
      } else {
        store.removeLink(link.attr.id, source, target)
      }
      if (!this.admin) {
        this.deferredLinks.push({ kind, ns, id, label, otherNs: link.otherNs, otherId })
      }
    }
  }

  // ---- checks after the writes ------------------------------------------------------------

  private deferredChecks(): void {
    const { permissions, store, attrs } = this.deps
    for (const key of this.created) {
      const [ns, id] = key.split('\u0000') as [string, string]
      const e = store.load(ns, id)
      if (!e) continue
      const data = this.entityVar(ns, e)
      this.check(permissions.program(ns, 'create'), ns, {
        data,
        newData: data,
        ruleParams: this.paramsFor(ns, id),
      })
    }
    for (const l of this.deferredLinks) {
      const self = store.load(l.ns, l.id) ?? { id: l.id, createdAt: this.now, attrs: {} }
      const other = store.load(l.otherNs, l.otherId) ?? {
        id: l.otherId,
        createdAt: this.now,
        attrs: {},
      }
      const link = attrs.link(l.ns, l.label)
      const program =
        permissions.linkProgram(l.ns, l.kind, l.label) ??
        (link &&
          permissions.linkProgram(
            l.otherNs,
            l.kind,
            link.forward ? link.attr.revLabel : link.attr.label,
          ))
      const selfVar = this.entityVar(l.ns, self)
      const otherVar = this.entityVar(l.otherNs, other)
      if (program) {
        this.check(program, l.ns, {
          data: selfVar,
          newData: selfVar,
          linkedData: otherVar,
          ruleParams: this.paramsFor(l.ns, l.id),
        })
        continue
      }
      if (!this.created.has(`${l.ns}\u0000${l.id}`)) {
        this.check(permissions.program(l.ns, 'update'), l.ns, {
          data: selfVar,
          newData: selfVar,
          ruleParams: this.paramsFor(l.ns, l.id),
        })
      }
      this.check(permissions.program(l.otherNs, 'view'), l.otherNs, {
        data: otherVar,
        ruleParams: this.paramsFor(l.otherNs, l.otherId),
      })
    }
  }
}

/** The part of the engine that deletes and cascades need. */
type GraphDeps = Pick<TransactDeps, 'store' | 'attrs'>

/** Who points at `id` (or is pointed at by it) through a cascading link: deleted along with it. */
function cascadeTargets(deps: GraphDeps, ns: string, id: string): [string, string][] {
  const out: [string, string][] = []
  for (const l of deps.attrs.linksTouching(ns)) {
    const a = l.attr
    if (l.forward && a.onDeleteReverse === 'cascade') {
      for (const t of deps.store.targets(a.id, id)) out.push([a.revNs, t])
    } else if (!l.forward && a.onDelete === 'cascade') {
      for (const src of deps.store.sources(a.id, id)) out.push([a.ns, src])
    }
  }
  return out
}

/** The entity and everything its delete cascades to, root first, each once. */
export function cascadeOf(deps: GraphDeps, ns: string, id: string): [string, string][] {
  const seen = new Set<string>()
  const out: [string, string][] = []
  const queue: [string, string][] = [[ns, id]]
  for (let item = queue.shift(); item; item = queue.shift()) {
    const key = `${item[0]}\u0000${item[1]}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(item)
    queue.push(...cascadeTargets(deps, item[0], item[1]))
  }
  return out
}

/**
 * Deletes an entity, its links, and whatever its links cascade to (`onDelete: 'cascade'` on the
 * side that points at it). Used by `delete` steps and by the engine's `onUserDeleted`.
 */
export function deleteEntityCascading(deps: GraphDeps, ns: string, id: string): void {
  const { store, attrs } = deps
  for (const [cns, cid] of cascadeOf(deps, ns, id)) {
    for (const l of attrs.linksTouching(cns)) {
      if (l.forward) store.removeLinksFrom(l.attr.id, cid)
      else store.removeLinksTo(l.attr.id, cid)
    }
    store.deleteEntity(cns, cid)
  }
}
