/**
 * Entity steps of a transaction: `create`/`update`/`merge`, `delete` and `link`/`unlink`. Writes
 * happen here; `create` and link checks wait for tx-checks.ts, after every write.
 */
import { LocalInstantError } from '../errors.js'
import { USERS_SYSTEM_LABELS, type DataAttr } from './attrs.js'
import { celRequest, toCelMap } from './cel.js'
import { cascadeOf, deleteEntityCascading } from './cascade.js'
import { validationError } from './engine-errors.js'
import { parseEntityRef } from './ids.js'
import { isRecord } from './is-record.js'
import type { StoredEntity } from './store.js'
import { check, entityVar, paramsFor, resolve, type TxContext } from './tx-context.js'
import type { Step } from './tx-parse.js'

/** Instant's `merge`: objects merge recursively, anything else replaces. */
function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isRecord(base) || !isRecord(patch)) return patch
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(base[k], v)
  return out
}

/** Instant's message for a value that does not fit `attr`'s type, or undefined when it fits. */
export function valueTypeError(attr: DataAttr, value: unknown): string | undefined {
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

/** `create`, `update` and `merge`. */
export function objectStep(ctx: TxContext, s: Step): void {
  const { attrs, store } = ctx.deps
  const id = resolve(ctx, s.ns, s.ref, 'create') as string
  const key = `${s.ns}\u0000${id}`
  const old = store.load(s.ns, id)
  const tx = (message: string): LocalInstantError =>
    validationError('tx-step', [s.action, s.ns, id], [{ message }])
  if (s.action === 'create' && old && !ctx.created.has(key)) {
    throw tx(`Creating entities that exist: ${id}`)
  }
  if (s.action === 'update' && s.opts['upsert'] === false && !old) {
    throw tx(`Updating entities that don't exist: ${id}`)
  }
  const changes: Record<string, unknown> = { ...s.args }
  if ('lookup' in s.ref && !old) changes[s.ref.lookup.label] = s.ref.lookup.value
  if (!ctx.admin && s.ns === '$users') {
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
  if (old && !ctx.created.has(key) && !ctx.admin) {
    const next: StoredEntity = { ...old, attrs: { ...old.attrs, ...changes } }
    check(
      ctx,
      { action: 'update', ns: s.ns, eid: id },
      ctx.deps.permissions.program(s.ns, 'update'),
      {
        data: entityVar(ctx, s.ns, old),
        newData: entityVar(ctx, s.ns, next),
        ruleParams: paramsFor(ctx, s.ns, id),
        request: celRequest(Object.keys(changes), ctx.requestInfo),
      },
    )
  }
  if (!old) {
    store.create(s.ns, id, ctx.now)
    ctx.created.add(key)
  }
  for (const [label, value] of Object.entries(changes)) {
    const link = attrs.link(s.ns, label)
    if (link) {
      applyLinks(ctx, 'link', s.ns, id, label, value, s.idx)
      continue
    }
    if (value === undefined) continue
    store.setAttr(s.ns, id, label, value)
  }
}

/** `delete`, with its cascade; each entity it removes must pass its own `delete` rule. */
export function deleteStep(ctx: TxContext, s: Step): void {
  const id = resolve(ctx, s.ns, s.ref, 'none')
  if (id === undefined) return // Instant drops deletes whose lookup does not resolve.
  if (!ctx.admin && s.ns.startsWith('$') && s.ns !== '$files') {
    throw validationError(
      'tx-step',
      ['delete-entity', id, s.ns],
      [{ message: `${s.ns} is a system entity. You aren't allowed to delete this directly.` }],
    )
  }
  if (!ctx.admin) {
    // Instant expands the cascade before its checks, so every entity the delete removes must
    // pass its own `delete` rule, seeing the data as it was; cascaded ones get the root's
    // rule params on top of theirs.
    const rootParams = ctx.ruleParams.get(`${s.ns}\u0000${id}`) ?? {}
    for (const [ns, eid] of cascadeOf(ctx.deps, s.ns, id)) {
      const e = ctx.deps.store.load(ns, eid)
      if (!e) continue
      const own = ctx.ruleParams.get(`${ns}\u0000${eid}`)
      check(ctx, { action: 'delete', ns, eid }, ctx.deps.permissions.program(ns, 'delete'), {
        data: entityVar(ctx, ns, e),
        ruleParams: toCelMap(eid === id && ns === s.ns ? rootParams : { ...own, ...rootParams }),
      })
    }
  }
  deleteEntityCascading(ctx.deps, s.ns, id)
  ctx.created.delete(`${s.ns}\u0000${id}`)
}

/** `link` and `unlink`. */
export function linkStep(ctx: TxContext, s: Step): void {
  const id = resolve(ctx, s.ns, s.ref, s.action === 'link' ? 'create' : 'none')
  if (id === undefined) return
  if ('lookup' in s.ref && s.action === 'link' && !ctx.deps.store.exists(s.ns, id)) {
    ctx.deps.store.create(s.ns, id, ctx.now)
    ctx.deps.store.setAttr(s.ns, id, s.ref.lookup.label, s.ref.lookup.value)
    ctx.created.add(`${s.ns}\u0000${id}`)
  }
  for (const [label, targets] of Object.entries(s.args)) {
    applyLinks(ctx, s.action as 'link' | 'unlink', s.ns, id, label, targets, s.idx)
  }
}

function applyLinks(
  ctx: TxContext,
  kind: 'link' | 'unlink',
  ns: string,
  id: string,
  label: string,
  targets: unknown,
  idx: number,
): void {
  const { attrs, store } = ctx.deps
  const link = attrs.link(ns, label)
  if (!link) return
  if (!ctx.admin && link.attr.id.startsWith('sys-')) {
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
      throw validationError('steps', ctx.rawSteps, [
        {
          message: `Invalid entity ID '${typeof t === 'string' ? t : JSON.stringify(t)}'. Entity IDs must be UUIDs or lookup references.`,
          in: [idx, 3, label],
        },
      ])
    }
    const otherId = resolve(ctx, link.otherNs, ref, kind === 'link' ? 'create' : 'none')
    if (otherId === undefined) continue
    if ('lookup' in ref && kind === 'link' && !store.exists(link.otherNs, otherId)) {
      store.create(link.otherNs, otherId, ctx.now)
      store.setAttr(link.otherNs, otherId, ref.lookup.label, ref.lookup.value)
      ctx.created.add(`${link.otherNs}\u0000${otherId}`)
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
    if (!ctx.admin) {
      ctx.deferredLinks.push({ kind, ns, id, label, otherNs: link.otherNs, otherId })
    }
  }
}
