/**
 * `POST /admin/query`: checks the body, parses the InstaQL object into a plan (query-parse.ts),
 * then runs each form (index seek or scan, then `where`, `view` rules, order and pagination) and
 * builds Instant's plain result tree (util/instaql.clj `instaql-nodes->object-tree`).
 */
import { paramMalformed, paramMissing } from '../errors.js'
import type { AttrRegistry } from './attrs.js'
import { assertSafeInput } from './engine-errors.js'
import { createGraphReader, type GraphReader } from './graph.js'
import type { Caller } from './caller.js'
import { celAuth, celEntity, isTruthy, type Permissions, type Program } from './permissions.js'
import { celRequest, toCelMap, type CelMap, type RequestInfo } from './cel.js'
import { parseQuery, type Cursor, type Form } from './query-parse.js'
import type { StoredEntity, Store } from './store.js'
import { compareValues, indexCandidates, matches, type Where, type WhereEnv } from './where.js'
import { isRecord } from './is-record.js'
import { jsonSizeOf, startQueryMeter, type QueryBudget, type QueryMeter } from './query-budget.js'

/** What a query run needs from the engine. */
interface QueryDeps {
  store: Store
  attrs: AttrRegistry
  permissions: Permissions
  budget: QueryBudget
}

/** One entry of `query_perms_check`'s `check-results` (instaql.clj `permissioned-query-check`). */
export interface QueryCheck {
  id: string
  entity: string
  /** The attribute of a `fields` rule; null for the entity's `view` rule. */
  label: string | null
  record: Record<string, unknown>
  /** `{}` when no rule applied (allowed). */
  program: { etype: string; action: string; code: string; 'display-code': string } | object
  check: unknown
}

/** A perms check run: where the checks go, and `request.ip` / `request.origin`. */
export interface QueryDebug {
  checks: QueryCheck[]
  requestInfo: RequestInfo
}

/**
 * Runs one `/admin/query` body for a caller and returns the response body. `querySize` is the
 * length of the query's JSON when the caller knows it (a live query re-run); else it is measured.
 * With `debug`, each rule check is also recorded there.
 */
export function runQuery(
  deps: QueryDeps,
  body: unknown,
  caller: Caller,
  querySize?: number,
  debug?: QueryDebug,
): Record<string, unknown> {
  if (!isRecord(body) || body['query'] === undefined || body['query'] === null) {
    throw paramMissing(['body', 'query'])
  }
  const raw = body['query']
  if (!isRecord(raw)) throw paramMalformed(['body', 'query'], raw)
  assertSafeInput('query', raw)
  const meter = startQueryMeter(deps.budget, querySize ?? JSON.stringify(raw).length)
  const inference = body['inference?'] === true
  const { forms, ruleParams } = parseQuery(deps.attrs, meter, raw)

  const reader = createGraphReader(deps.store, deps.attrs, true)
  const run = new QueryRun(deps, reader, caller, ruleParams, inference, meter, debug)
  const out: Record<string, unknown> = {}
  for (const form of forms) out[form.ns] = run.top(form)
  return out
}

function queryCheck(
  ns: string,
  e: StoredEntity,
  label: string | null,
  program: Program | undefined,
  result: unknown,
): QueryCheck {
  return {
    id: e.id,
    entity: ns,
    label,
    record: { ...e.attrs, id: e.id },
    program: program
      ? {
          etype: program.etype,
          action: program.action,
          code: program.code,
          'display-code': program.displayCode,
        }
      : {},
    check: result ?? null,
  }
}

/** Rank of a value's kind, so sorting mixed kinds is total (null first, as Clojure's compare). */
function kindRank(v: unknown): number {
  if (v === null || v === undefined) return 0
  if (typeof v === 'boolean') return 1
  if (typeof v === 'number') return 2
  if (typeof v === 'string') return 3
  return 4
}

class QueryRun {
  private readonly auth: CelMap
  private readonly ruleParams: CelMap
  private readonly request: CelMap
  private readonly checks: QueryCheck[] | undefined
  private readonly viewable = new Map<string, boolean>()
  private readonly fieldsSeen = new Map<string, boolean>()
  /** The last entity's `data` for rules: its field checks come one after another. */
  private lastData: { ns: string; e: StoredEntity; data: CelMap } | undefined
  private readonly whereEnv: WhereEnv

  constructor(
    private readonly deps: QueryDeps,
    private readonly reader: GraphReader,
    private readonly caller: Caller,
    ruleParams: Record<string, unknown>,
    private readonly inference: boolean,
    private readonly meter: QueryMeter,
    debug?: QueryDebug,
  ) {
    this.request = celRequest([], debug?.requestInfo)
    this.checks = debug?.checks
    this.auth = celAuth(caller.kind === 'user' ? caller.user : undefined, reader)
    this.ruleParams = toCelMap(ruleParams)
    this.whereEnv = { reader, attrs: deps.attrs, tick: () => meter.tick() }
    if (caller.kind !== 'admin') {
      this.whereEnv.view = {
        canView: (ns, e) => this.visible(ns, e),
        restricted: (ns) => {
          const source = deps.permissions.program(ns, 'view')?.source.trim()
          return source !== undefined && source !== 'true'
        },
        canSeeField: (ns, e, attr) => this.fieldVisible(ns, e, attr),
      }
    }
  }

  top(form: Form): Record<string, unknown>[] {
    const { store, attrs } = this.deps
    let entities: StoredEntity[]
    const candidates = form.where && indexCandidates(form.where, form.ns, store, attrs)
    if (candidates) {
      entities = []
      for (const id of candidates) {
        const e = this.reader.load(form.ns, id)
        if (e) entities.push(e)
      }
    } else {
      entities = store.scan(form.ns)
    }
    return this.finish(form, entities, true)
  }

  private finish(form: Form, entities: StoredEntity[], top: boolean): Record<string, unknown>[] {
    const env = this.whereEnv
    const meter = this.meter
    let list = form.where
      ? entities.filter((e) => matches(form.where as Where, form.ns, e, env))
      : entities
    list = list.filter((e) => {
      meter.tick()
      return this.visible(form.ns, e)
    })
    list = this.sort(form, list)
    if (top && (form.after !== undefined || form.before !== undefined)) {
      list = this.between(form, list)
    }
    if (top && form.offset !== undefined) list = list.slice(form.offset)
    if (form.limit !== undefined) list = list.slice(0, form.limit)
    if (form.last !== undefined) list = list.slice(Math.max(0, list.length - form.last))
    return list.map((e) => this.toObject(form, e))
  }

  private visible(ns: string, e: StoredEntity): boolean {
    if (this.caller.kind === 'admin') return true
    const program = this.deps.permissions.program(ns, 'view')
    if (!program && !this.checks) return true
    // Entities are checked once per query, whether they are results or on a `where` path.
    const key = `${ns}\u0000${e.id}`
    let ok = this.viewable.get(key)
    if (ok === undefined) {
      const result = program
        ? this.deps.permissions.evaluate(
            program,
            {
              auth: this.auth,
              data: celEntity(ns, e, this.reader, this.deps.attrs),
              ruleParams: this.ruleParams,
              request: this.request,
            },
            this.checks !== undefined,
          )
        : true
      ok = isTruthy(result)
      this.checks?.push(queryCheck(ns, e, null, program, result))
      this.viewable.set(key, ok)
    }
    return ok
  }

  /** A `fields` rule's verdict on one attribute of one entity, once per query. */
  private fieldVisible(ns: string, e: StoredEntity, attr: string): boolean {
    if (this.caller.kind === 'admin') return true
    const { permissions } = this.deps
    if (!permissions.hasFieldRules(ns)) return true
    const program = permissions.fieldProgram(ns, attr)
    if (!program) return true
    const key = `${ns}\u0000${e.id}\u0000${attr}`
    let ok = this.fieldsSeen.get(key)
    if (ok === undefined) {
      const result = permissions.evaluate(
        program,
        {
          auth: this.auth,
          data: this.dataOf(ns, e),
          ruleParams: this.ruleParams,
          request: this.request,
        },
        this.checks !== undefined,
      )
      ok = isTruthy(result)
      this.checks?.push(queryCheck(ns, e, attr, program, result))
      this.fieldsSeen.set(key, ok)
    }
    return ok
  }

  private dataOf(ns: string, e: StoredEntity): CelMap {
    const last = this.lastData
    if (last !== undefined && last.e === e && last.ns === ns) return last.data
    const data = celEntity(ns, e, this.reader, this.deps.attrs)
    this.lastData = { ns, e, data }
    return data
  }

  /** The sort key of a form's order: its value (hidden ones as missing) and the id. */
  private sortKey(form: Form): {
    valueOf: (e: StoredEntity) => unknown
    compare: (va: unknown, ida: string, vb: unknown, idb: string) => number
  } {
    const key = form.order?.key ?? 'serverCreatedAt'
    const sign = form.order?.desc ? -1 : 1
    const type =
      key === 'serverCreatedAt' ? undefined : this.deps.attrs.data(form.ns, key)?.valueType
    // A hidden value sorts as a missing one: its order would reveal it by bisection.
    const valueOf = (e: StoredEntity): unknown =>
      key === 'serverCreatedAt'
        ? e.createdAt
        : this.fieldVisible(form.ns, e, key)
          ? e.attrs[key]
          : null
    const compare = (va: unknown, ida: string, vb: unknown, idb: string): number => {
      const rank = kindRank(va) - kindRank(vb)
      let c = rank !== 0 ? rank : (compareValues(va, vb, type) ?? 0)
      if (c === 0) c = ida < idb ? -1 : ida > idb ? 1 : 0
      return sign * c
    }
    return { valueOf, compare }
  }

  private sort(form: Form, list: StoredEntity[]): StoredEntity[] {
    const { valueOf, compare } = this.sortKey(form)
    return [...list].sort((a, b) => compare(valueOf(a), a.id, valueOf(b), b.id))
  }

  /**
   * The rows of a sorted list between the form's cursors, in the same order. A cursor carries
   * the order value (or, for the default order, the creation time `t`) and the row id, so it
   * places itself even when its row is gone.
   */
  private between(form: Form, list: StoredEntity[]): StoredEntity[] {
    const { valueOf, compare } = this.sortKey(form)
    const byCreation = form.order === undefined || form.order.key === 'serverCreatedAt'
    const place = (c: Cursor, e: StoredEntity): number =>
      compare(valueOf(e), e.id, byCreation ? c[3] : c[2], c[0])
    const { after, before } = form
    return list.filter((e) => {
      if (after !== undefined) {
        const p = place(after, e)
        if (p < 0 || (p === 0 && !form.afterInclusive)) return false
      }
      if (before !== undefined) {
        const p = place(before, e)
        if (p > 0 || (p === 0 && !form.beforeInclusive)) return false
      }
      return true
    })
  }

  private toObject(form: Form, e: StoredEntity): Record<string, unknown> {
    const out: Record<string, unknown> = { id: e.id }
    let size = 10 + e.id.length
    for (const [k, v] of Object.entries(e.attrs)) {
      if (k === 'id' || (form.fields && !form.fields.includes(k))) continue
      if (!this.fieldVisible(form.ns, e, k)) continue
      out[k] = v
      size += k.length + 4 + jsonSizeOf(v)
    }
    // Counted before the children are built, so an exploding tree stops at the cap.
    this.meter.row(size)
    for (const { label, form: child } of form.children) {
      const link = this.deps.attrs.link(form.ns, label)
      const linked = this.reader.linked(form.ns, e.id, label)
      const entities: StoredEntity[] = []
      for (const id of linked?.ids ?? []) {
        const c = this.reader.load(child.ns, id)
        if (c) entities.push(c)
      }
      const objects = this.finish(child, entities, false)
      out[label] = this.inference && link?.hasOne ? (objects[0] ?? null) : objects
    }
    return out
  }
}
