/**
 * Attribute steps of a transaction: `add-attr`, `update-attr`, `delete-attr`, and the attrs
 * created on the fly for labels the other steps use.
 */
import type { DataAttr, LinkAttr } from './attrs.js'
import { validationError } from './engine-errors.js'
import { parseEntityRef } from './ids.js'
import { isRecord } from './is-record.js'
import type { TxContext } from './tx-context.js'
import { OBJECT_ACTIONS } from './tx-parse.js'

/**
 * Creates the attributes and links the steps name but the app lacks, as Instant does, or
 * refuses them all under `throw-on-missing-attrs?`.
 */
export function createMissingAttrs(ctx: TxContext): void {
  const { attrs } = ctx.deps
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
  for (const s of ctx.steps) {
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
  if (ctx.throwOnMissing) {
    throw validationError('steps', ctx.rawSteps, [
      { message: 'Attributes are missing in your schema', hint: { attributes: missing } },
    ])
  }
  for (const create of toCreate) create()
}

/** `add-attr`, `update-attr` and `delete-attr`. */
export function attrStep(ctx: TxContext, action: string, raw: unknown[], idx: number): void {
  const { attrs, store } = ctx.deps
  const invalidAttr = (message: string): never => {
    throw validationError('steps', ctx.rawSteps, [{ message, in: [idx, 1] }])
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
  if (!isRecord(a)) return invalidAttr('The attribute must be an object.')
  const fwd = Array.isArray(a['forward-identity']) ? a['forward-identity'] : undefined
  const sameLabel =
    fwd &&
    (attrs.data(String(fwd[1]), String(fwd[2])) ?? attrs.link(String(fwd[1]), String(fwd[2]))?.attr)
  const existing = (typeof a['id'] === 'string' ? attrs.byId(a['id']) : undefined) ?? sameLabel
  if (action === 'update-attr' && !existing)
    return invalidAttr(`Attribute ${String(a['id'])} does not exist.`)
  const rev = Array.isArray(a['reverse-identity']) ? a['reverse-identity'] : undefined
  const ns = String(fwd?.[1] ?? existing?.ns ?? '')
  const label = String(fwd?.[2] ?? existing?.label ?? '')
  if (!ns || !label)
    return invalidAttr('The attribute needs a forward-identity [id, namespace, label].')
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
