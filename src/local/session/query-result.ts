/**
 * Answers a session's `add-query` in Instant's join-rows shape. The query runs through the data
 * engine as the session's caller (the same code, rules and `fields` rules as `/admin/query`
 * with `as-token`); the object tree it returns is then flattened into the triples the SDK loads
 * into its own store and re-runs InstaQL on. Because the SDK evaluates `where` itself, entities
 * on a `where` path (and, under `fields`, the attributes `where` and `order` read) come from a
 * second engine query for the result ids, so every one of them is view-checked too.
 */
import type { LinkAttr } from '../data/attrs.js'
import type { Caller } from '../data/caller.js'
import type { DataEngine } from '../data/index.js'
import { isRecord } from '../data/is-record.js'

/** `[entity, attrId, value, createdAtMs]`. */
type Triple = [string, string, unknown, number]

interface PageInfo {
  /** Null on an empty page: the SDK then shows no rows for a page that does not lead. */
  'start-cursor': Triple | null
  'end-cursor': Triple | null
  'has-next-page?': boolean
  'has-previous-page?': boolean
}

/** The `result` of `add-query-ok` and `instaql-result` of `refresh-ok`. */
export type InstaqlResult = [
  {
    data: { 'datalog-result': { 'join-rows': Triple[][] }; 'page-info'?: Record<string, PageInfo> }
    'child-nodes': []
  },
]

type Tree = Record<string, unknown>

/**
 * Runs `q` for `caller` and returns Instant's result with its triples. `querySize` is the length
 * of `q`'s JSON, measured once when the query was subscribed.
 */
export function runInstaql(
  engine: DataEngine,
  q: unknown,
  caller: Caller,
  querySize: number,
): InstaqlResult {
  const tree = engine.query({ query: q }, caller, querySize) as Record<string, unknown>
  const out = new TripleSet(engine)
  const forms = q as Record<string, unknown>
  const pageInfo: Record<string, PageInfo> = {}
  for (const [ns, form] of Object.entries(forms)) {
    if (ns === '$$ruleParams' || !isRecord(form)) continue
    const objects = asObjects(tree[ns])
    out.walk(ns, form, objects)
    supplement(engine, out, ns, form, objects, caller, forms['$$ruleParams'])
    const info = pageInfoOf(engine, ns, form, objects, caller, forms['$$ruleParams'])
    if (info) pageInfo[ns] = info
  }
  const data: InstaqlResult[0]['data'] = { 'datalog-result': { 'join-rows': [out.list()] } }
  if (Object.keys(pageInfo).length > 0) data['page-info'] = pageInfo
  return [{ data, 'child-nodes': [] }]
}

/**
 * The namespaces whose writes can change this query's result: its own, those on its `where`
 * paths, every namespace a `ref(...)` in their rules walks through (however many links away),
 * and one link away from each (a link written or removed changes what a path reaches).
 */
export function namespacesOf(engine: DataEngine, q: unknown): Set<string> {
  const attrs = engine.session.attrs
  const out = new Set<string>()
  const visit = (ns: string, form: unknown): void => {
    out.add(ns)
    if (!isRecord(form)) return
    const opts = form['$']
    if (isRecord(opts) && isRecord(opts['where'])) {
      for (const path of wherePaths(opts['where'])) {
        let at = ns
        for (const seg of path) {
          const link = attrs.link(at, seg)
          if (!link) break
          at = link.otherNs
          out.add(at)
        }
      }
    }
    for (const [label, child] of Object.entries(form)) {
      if (label === '$') continue
      visit(attrs.link(ns, label)?.otherNs ?? label, child)
    }
  }
  if (isRecord(q)) {
    for (const [ns, form] of Object.entries(q)) if (ns !== '$$ruleParams') visit(ns, form)
  }
  const permissions = engine.session.permissions
  for (const ns of [...out]) {
    for (const ref of permissions.refPaths(ns)) {
      let at = ref.from === 'auth' ? '$users' : ns
      out.add(at)
      for (const seg of ref.links) {
        const link = attrs.link(at, seg)
        if (!link) break
        at = link.otherNs
        out.add(at)
      }
    }
  }
  for (const ns of [...out]) for (const l of attrs.linksTouching(ns)) out.add(l.otherNs)
  return out
}

class TripleSet {
  private readonly seen = new Map<string, Triple>()

  constructor(private readonly engine: DataEngine) {}

  list(): Triple[] {
    return [...this.seen.values()]
  }

  private add(t: Triple): void {
    const key = `${t[0]}\u0000${t[1]}\u0000${JSON.stringify(t[2])}`
    if (!this.seen.has(key)) this.seen.set(key, t)
  }

  /** Adds the triples of `objects` (entities of `ns` shaped by `form`), children included. */
  walk(ns: string, form: Tree, objects: Tree[]): void {
    const { attrs, createdAt } = this.engine.session
    const idAttr = attrs.data(ns, 'id')
    for (const obj of objects) {
      const id = obj['id']
      if (typeof id !== 'string') continue
      const t = createdAt(ns, id) ?? 0
      if (idAttr) this.add([id, idAttr.id, id, t])
      for (const [label, value] of Object.entries(obj)) {
        if (label === 'id') continue
        const link = attrs.link(ns, label)
        if (link) {
          const childForm = form[label]
          const children = asObjects(value)
          for (const child of children) {
            const cid = child['id']
            if (typeof cid !== 'string') continue
            this.add(linkTriple(link.attr, link.forward, id, cid, t))
          }
          this.walk(link.otherNs, isRecord(childForm) ? childForm : {}, children)
          continue
        }
        const attr = attrs.data(ns, label)
        if (attr) this.add([id, attr.id, value, t])
      }
    }
  }
}

function linkTriple(
  attr: LinkAttr,
  forward: boolean,
  self: string,
  other: string,
  t: number,
): Triple {
  return forward ? [self, attr.id, other, t] : [other, attr.id, self, t]
}

function asObjects(value: unknown): Tree[] {
  if (Array.isArray(value)) return value.filter(isRecord)
  return isRecord(value) ? [value] : []
}

/** Every condition path of a `where` object, `or`/`and` included. */
function wherePaths(where: Record<string, unknown>): string[][] {
  const out: string[][] = []
  for (const [key, value] of Object.entries(where)) {
    if ((key === 'or' || key === 'and') && Array.isArray(value)) {
      for (const sub of value) if (isRecord(sub)) out.push(...wherePaths(sub))
    } else {
      out.push(key.split('.'))
    }
  }
  return out
}

/**
 * Adds what the SDK's own `where`/`order` evaluation reads but the result tree lacks: entities
 * along link paths, and under `fields` the unlisted attributes. One engine query for the result
 * ids, as the same caller, so view rules decide what is sent. Recurses into child forms.
 */
function supplement(
  engine: DataEngine,
  out: TripleSet,
  ns: string,
  form: Tree,
  objects: Tree[],
  caller: Caller,
  ruleParams: unknown,
): void {
  const attrs = engine.session.attrs
  const opts = isRecord(form['$']) ? form['$'] : {}
  const where = isRecord(opts['where']) ? opts['where'] : undefined
  const ids = objects.map((o) => o['id']).filter((x): x is string => typeof x === 'string')
  const extra: Tree = {}
  if (where) {
    for (const path of wherePaths(where)) {
      let at = ns
      let node = extra
      for (const seg of path) {
        const link = attrs.link(at, seg)
        if (!link) break
        node = (node[seg] ??= {}) as Tree
        at = link.otherNs
      }
    }
  }
  const needsFields =
    opts['fields'] !== undefined && (where !== undefined || isRecord(opts['order']))
  if (ids.length > 0 && (Object.keys(extra).length > 0 || needsFields)) {
    const query: Tree = { [ns]: { $: { where: { id: { $in: ids } } }, ...extra } }
    if (ruleParams !== undefined) query['$$ruleParams'] = ruleParams
    const tree = engine.query({ query }, caller) as Tree
    out.walk(ns, { ...extra }, asObjects(tree[ns]))
  }
  // Child forms: their `where` is evaluated by the SDK against their own results.
  for (const [label, childForm] of Object.entries(form)) {
    if (label === '$' || !isRecord(childForm)) continue
    const link = attrs.link(ns, label)
    if (!link) continue
    const children = objects.flatMap((o) => asObjects(o[label]))
    supplement(engine, out, link.otherNs, childForm, children, caller, ruleParams)
  }
}

/**
 * `page-info` for a top-level form with `limit`/`first`/`last`/`offset` or cursors
 * (`after`/`before`): the cursors are the first and last rows as `[e, orderAttrId, value, t]`
 * (the `id` attr for the default order), which the SDK uses to cut its local result to the page
 * and `subscribeInfiniteQuery` passes back as `after`/`before` for the next page.
 */
function pageInfoOf(
  engine: DataEngine,
  ns: string,
  form: Tree,
  objects: Tree[],
  caller: Caller,
  ruleParams: unknown,
): PageInfo | undefined {
  const opts = isRecord(form['$']) ? form['$'] : undefined
  if (!opts) return undefined
  const limit = opts['limit'] ?? opts['first'] ?? opts['last']
  const offset = typeof opts['offset'] === 'number' ? opts['offset'] : 0
  const after = opts['after'] ?? undefined
  const before = opts['before'] ?? undefined
  if (limit === undefined && offset === 0 && after === undefined && before === undefined) {
    return undefined
  }
  const first = objects[0]
  const last = objects[objects.length - 1]
  const { attrs, createdAt } = engine.session
  const order = isRecord(opts['order']) ? Object.keys(opts['order'])[0] : undefined
  const orderAttr =
    order === undefined || order === 'serverCreatedAt' ? undefined : attrs.data(ns, order)
  const idAttr = attrs.data(ns, 'id')
  const cursor = (o: Tree | undefined): Triple | null => {
    if (o === undefined) return null
    const id = o['id'] as string
    const t = createdAt(ns, id) ?? 0
    return orderAttr
      ? [id, orderAttr.id, o[orderAttr.label] ?? null, t]
      : [id, idAttr?.id ?? '', id, t]
  }
  // One more row than the page (or, for a range ending at `before`, than the range with its
  // end lifted) tells whether there is a next page.
  let probeOpts: Tree | undefined
  let pageSize = objects.length
  if (typeof limit === 'number') {
    probeOpts = { ...opts, ...limitKey(opts, limit + 1) }
    pageSize = limit
  } else if (before !== undefined) {
    const rest: Tree = { ...opts }
    delete rest['before']
    delete rest['beforeInclusive']
    probeOpts = { ...rest, limit: objects.length + 1 }
  }
  let hasNext = false
  if (probeOpts !== undefined) {
    const query: Tree = { [ns]: { $: probeOpts } }
    if (ruleParams !== undefined) query['$$ruleParams'] = ruleParams
    const probe = engine.query({ query }, caller) as Tree
    hasNext = asObjects(probe[ns]).length > pageSize
  }
  return {
    'start-cursor': cursor(first),
    'end-cursor': cursor(last),
    'has-next-page?': hasNext,
    'has-previous-page?': offset > 0 || after !== undefined,
  }
}

function limitKey(opts: Tree, n: number): Tree {
  if (opts['first'] !== undefined) return { first: n }
  if (opts['last'] !== undefined) return { last: n }
  return { limit: n }
}
