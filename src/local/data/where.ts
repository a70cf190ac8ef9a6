/**
 * InstaQL `where` clauses: validation into a small tree, evaluation against one entity, and the
 * index seek that narrows the candidates before evaluation.
 *
 * Semantics follow Instant's datalog translation (db/instaql.clj): a condition on a path holds
 * when some value reached through the links satisfies it; a missing link or attribute is `null`,
 * so `$isNull: true` and `$not`/`$ne` match entities that lack the attribute.
 */
import { validationFailed } from '../errors.js'
import type { AttrRegistry, ValueType } from './attrs.js'
import type { GraphReader } from './graph.js'
import type { StoredEntity, Store } from './store.js'
import { isRecord } from './is-record.js'
import { compileLike, type LikePattern } from './like.js'

type WhereOp =
  | { op: 'eq'; value: unknown }
  | { op: 'in'; values: unknown[] }
  | { op: 'not'; value: unknown }
  | { op: 'isNull'; value: boolean }
  | { op: 'gt' | 'gte' | 'lt' | 'lte'; value: unknown }
  | { op: 'like'; pattern: LikePattern }

export type Where =
  | { kind: 'and'; items: Where[] }
  | { kind: 'or'; items: Where[] }
  | { kind: 'cond'; path: string[]; ops: WhereOp[] }

/** Where a validation error points: the whole query and the path to this `where`. */
interface WhereContext {
  root: unknown
  in: (string | number)[]
}

function invalidWhere(
  ctx: WhereContext,
  path: (string | number)[],
  message: string,
  expected: string,
): never {
  throw validationFailed('query', ctx.root, [{ expected, in: [...ctx.in, ...path], message }])
}

/** Validates a `where` object into a `Where` tree; throws Instant's `validation-failed`. */
export function parseWhere(where: unknown, ctx: WhereContext): Where {
  if (!isRecord(where)) invalidWhere(ctx, [], 'The `where` clause should be an object.', 'map?')
  const items: Where[] = []
  for (const [key, value] of Object.entries(where)) {
    if ((key === 'or' || key === 'and') && Array.isArray(value)) {
      if (value.length === 0) {
        invalidWhere(
          ctx,
          [key],
          `The list of \`${key}\` conditions can't be empty.`,
          'non-empty-list?',
        )
      }
      const sub = value.map((v, i) => parseWhere(v, { root: ctx.root, in: [...ctx.in, key, i] }))
      items.push({ kind: key, items: sub })
      continue
    }
    const path = key.split('.')
    if (path.some((p) => p === ''))
      invalidWhere(ctx, [key], `Invalid where path \`${key}\`.`, 'valid-path?')
    items.push({ kind: 'cond', path, ops: parseOps(value, key, ctx) })
  }
  return { kind: 'and', items }
}

function parseOps(value: unknown, key: string, ctx: WhereContext): WhereOp[] {
  if (!isRecord(value)) return [{ op: 'eq', value }]
  const ops: WhereOp[] = []
  for (const [op, arg] of Object.entries(value)) {
    switch (op) {
      case '$in':
      case 'in':
        if (!Array.isArray(arg))
          invalidWhere(ctx, [key, op], `\`${op}\` expects a list of values.`, 'list?')
        ops.push({ op: 'in', values: arg })
        break
      case '$not':
      case '$ne':
        ops.push({ op: 'not', value: arg })
        break
      case '$isNull':
        if (typeof arg !== 'boolean')
          invalidWhere(ctx, [key, op], '`$isNull` expects a boolean.', 'boolean?')
        ops.push({ op: 'isNull', value: arg })
        break
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        ops.push({ op: op.slice(1) as 'gt', value: arg })
        break
      case '$like':
      case '$ilike':
        if (typeof arg !== 'string')
          invalidWhere(ctx, [key, op], `\`${op}\` expects a string.`, 'string?')
        ops.push({ op: 'like', pattern: compileLike(arg, op === '$ilike') })
        break
      default:
        invalidWhere(ctx, [key, op], `Unsupported where operator \`${op}\`.`, 'supported-operator?')
    }
  }
  return ops
}

/** Everything `matches` needs besides the entity. */
export interface WhereEnv {
  reader: GraphReader
  attrs: AttrRegistry
  /**
   * For non-admin callers: whether a linked entity passes its namespace's `view` rule. A path
   * only looks through entities that do, and a namespace with a view rule (other than `true`)
   * must have a viewable entity on the path at all, as Instant's rule wheres demand.
   */
  /** Counts a unit of work against the query's time budget (throws when it is spent). */
  tick?: () => void
  view?: {
    canView(ns: string, e: StoredEntity): boolean
    restricted(ns: string): boolean
    /** Whether the caller may read `attr` of `e` (its `fields` rule, when it has one). */
    canSeeField(ns: string, e: StoredEntity, attr: string): boolean
  }
}

/**
 * Values at the end of `path`, like `GraphReader.values`, but walking only through linked
 * entities the caller may view; `[]` (nothing can match) when a restricted namespace on the way
 * offers no viewable entity. A value its `fields` rule hides from the caller is left out, so no
 * condition (`$like`, `$gt`, `$isNull`, `$not`…) can hold on it: Instant drops every join row
 * holding a triple the caller may not see (instaql.clj `viewable-join-row?`), where-clause
 * triples included, and otherwise `where` + `$like` would read a hidden value back.
 */
function pathValues(env: WhereEnv, ns: string, entity: StoredEntity, path: string[]): unknown[] {
  const view = env.view
  if (!view) return env.reader.values(ns, entity, path)
  let frontier: { ns: string; e: StoredEntity }[] = [{ ns, e: entity }]
  const out: unknown[] = []
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string
    const last = i === path.length - 1
    const next: { ns: string; e: StoredEntity }[] = []
    let otherNs: string | undefined
    for (const f of frontier) {
      const linked = env.reader.linked(f.ns, f.e.id, seg)
      if (!linked) {
        // An attribute (or `id`) at the end; anything else mid-path is a dead end.
        if (!last) out.push(null)
        else if (seg === 'id') out.push(f.e.id)
        else if (view.canSeeField(f.ns, f.e, seg)) out.push(f.e.attrs[seg] ?? null)
        continue
      }
      otherNs = linked.ns
      let any = false
      for (const id of linked.ids) {
        env.tick?.()
        const e = env.reader.load(linked.ns, id)
        if (e && view.canView(linked.ns, e)) {
          next.push({ ns: linked.ns, e })
          any = true
        }
      }
      if (!any) out.push(null)
    }
    if (otherNs !== undefined && next.length === 0 && view.restricted(otherNs)) return []
    if (last) return [...out, ...next.map((n) => n.e.id)]
    frontier = next
  }
  return out
}

function leafType(env: WhereEnv, ns: string, path: readonly string[]): ValueType | undefined {
  let current = ns
  for (const seg of path.slice(0, -1)) {
    const l = env.attrs.link(current, seg)
    if (!l) return undefined
    current = l.otherNs
  }
  const last = path[path.length - 1]
  return last === undefined ? undefined : env.attrs.data(current, last)?.valueType
}

function toMs(v: unknown): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'string') {
    const n = Date.parse(v)
    return Number.isNaN(n) ? undefined : n
  }
  return undefined
}

function sameValue(a: unknown, b: unknown, type: ValueType | undefined): boolean {
  if (type === 'date') {
    const x = toMs(a)
    return x !== undefined && x === toMs(b)
  }
  if (a === b) return true
  if (typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b)
  return false
}

/** Orders two values of one kind; `undefined` when they cannot be compared. */
export function compareValues(a: unknown, b: unknown, type?: ValueType): number | undefined {
  if (type === 'date') {
    const x = toMs(a)
    const y = toMs(b)
    return x === undefined || y === undefined ? undefined : x - y
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  return undefined
}

function opHolds(op: WhereOp, v: unknown, type: ValueType | undefined): boolean {
  switch (op.op) {
    case 'eq':
      return op.value === null ? v === null : v !== null && sameValue(v, op.value, type)
    case 'in':
      return v !== null && op.values.some((x) => sameValue(v, x, type))
    case 'not':
      return v === null || !sameValue(v, op.value, type)
    case 'isNull':
      return op.value ? v === null : v !== null
    case 'like':
      return typeof v === 'string' && op.pattern.test(v)
    default: {
      if (v === null) return false
      const c = compareValues(v, op.value, type)
      if (c === undefined) return false
      return op.op === 'gt' ? c > 0 : op.op === 'gte' ? c >= 0 : op.op === 'lt' ? c < 0 : c <= 0
    }
  }
}

/** True when the entity satisfies the clause. */
export function matches(where: Where, ns: string, entity: StoredEntity, env: WhereEnv): boolean {
  switch (where.kind) {
    case 'and':
      return where.items.every((w) => matches(w, ns, entity, env))
    case 'or':
      return where.items.some((w) => matches(w, ns, entity, env))
    case 'cond': {
      env.tick?.()
      const values = pathValues(env, ns, entity, where.path)
      const type = leafType(env, ns, where.path)
      return where.ops.every((op) => values.some((v) => opHolds(op, v, type)))
    }
  }
}

function isScalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
}

/**
 * Candidate ids from an index seek, when a top-level conjunct is an equality (or `$in`) on a
 * plain attribute or `id`; `undefined` means "scan the namespace". The full clause is still
 * evaluated on each candidate, so this only has to be a superset.
 */
export function indexCandidates(
  where: Where,
  ns: string,
  store: Store,
  attrs: AttrRegistry,
): string[] | undefined {
  if (where.kind !== 'and') return undefined
  for (const item of where.items) {
    if (item.kind !== 'cond' || item.path.length !== 1) continue
    const label = item.path[0] as string
    if (label !== 'id' && (attrs.link(ns, label) || attrs.data(ns, label)?.valueType === 'date')) {
      continue
    }
    for (const op of item.ops) {
      const values = op.op === 'eq' ? [op.value] : op.op === 'in' ? op.values : undefined
      if (!values || !values.every(isScalar)) continue
      if (label === 'id') return values.filter((v): v is string => typeof v === 'string')
      return [...new Set(values.flatMap((v) => store.idsByValue(ns, label, v)))]
    }
  }
  return undefined
}
