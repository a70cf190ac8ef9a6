/**
 * The state one transaction run shares across its steps (who calls, what it created, deferred
 * link checks) and the helpers every step kind uses: resolving entity references and checking
 * permission programs.
 */
import type { Database } from 'better-sqlite3'
import type { AttrRegistry } from './attrs.js'
import type { Caller } from './caller.js'
import { celRequest, fromCelValue, toCelMap, type CelMap, type RequestInfo } from './cel.js'
import { permissionDenied, validationError } from './engine-errors.js'
import { createGraphReader, type GraphReader } from './graph.js'
import type { EntityRef } from './ids.js'
import { celAuth, celEntity, isTruthy, type Permissions, type Program } from './permissions.js'
import type { StoredEntity, Store } from './store.js'
import type { ParsedStep } from './tx-parse.js'

/** What a transaction needs from the engine. */
export interface TransactDeps {
  db: Database
  store: Store
  attrs: AttrRegistry
  permissions: Permissions
}

/** A link or unlink whose permission check waits until every write is done. */
interface DeferredLink {
  kind: 'link' | 'unlink'
  ns: string
  id: string
  label: string
  otherNs: string
  otherId: string
}

/** One transaction run. */
export interface TxContext {
  readonly deps: TransactDeps
  readonly caller: Caller
  readonly admin: boolean
  readonly rawSteps: unknown[]
  readonly steps: ParsedStep[]
  readonly throwOnMissing: boolean
  readonly reader: GraphReader
  readonly now: number
  /** `ns\u0000id` of the entities this run created. */
  readonly created: Set<string>
  readonly ruleParams: Map<string, Record<string, unknown>>
  readonly deferredLinks: DeferredLink[]
  readonly auth: CelMap
  /**
   * Set for `/admin/transact_perms_check`: each check is recorded here, in Instant's shape,
   * instead of throwing when it fails.
   */
  readonly checkResults?: CheckResult[]
  /** `request.ip` / `request.origin` of a perms check run. */
  readonly requestInfo?: RequestInfo
}

/** One entry of `transact_perms_check`'s `check-results`, as permissioned_transaction.clj's. */
export interface CheckResult {
  scope: 'object'
  action: string
  etype: string
  eid: string
  /** `{}` when no rule applied (allowed), as Instant's `{:result true}` programs show. */
  program: { etype: string; action: string; code: string; 'display-code': string } | object
  'check-result': unknown
  'check-pass?': boolean
  /** What the rule saw: `data`, `new-data`, `linked-data`, `rule-params`, `modified-fields`. */
  bindings: Record<string, unknown>
}

/** What a check is about: the entity and the action (`create`, `update`, `link`, …). */
export interface CheckTarget {
  action: string
  ns: string
  eid: string
}

export function createTxContext(
  deps: TransactDeps,
  caller: Caller,
  rawSteps: unknown[],
  steps: ParsedStep[],
  throwOnMissing: boolean,
  debug?: { checkResults: CheckResult[]; requestInfo: RequestInfo },
): TxContext {
  // No load cache: the transaction keeps changing the entities it reads.
  const reader = createGraphReader(deps.store, deps.attrs, false)
  return {
    deps,
    caller,
    admin: caller.kind === 'admin',
    rawSteps,
    steps,
    throwOnMissing,
    reader,
    now: Date.now(),
    created: new Set(),
    ruleParams: new Map(),
    deferredLinks: [],
    auth: celAuth(caller.kind === 'user' ? caller.user : undefined, reader),
    ...debug,
  }
}

/**
 * Resolves a reference to an id. `create` mints an id for an unresolved lookup (the caller
 * then writes the lookup value); `none` returns undefined for it.
 */
export function resolve(
  ctx: TxContext,
  ns: string,
  ref: EntityRef,
  mode: 'create' | 'none',
): string | undefined {
  if ('id' in ref) return ref.id
  const { label, value } = ref.lookup
  if (label === 'id') return typeof value === 'string' ? value.toLowerCase() : undefined
  if (label.includes('.')) return resolveThroughLink(ctx, ns, label, value, mode)
  const attr = ctx.deps.attrs.data(ns, label)
  if (attr && !attr.unique) {
    throw validationError(
      'lookup',
      [label, value],
      [{ message: `${ns}.${label} is not a unique attribute, so it can't be used in a lookup.` }],
    )
  }
  const found = ctx.deps.store.idsByValue(ns, label, value)[0]
  if (found !== undefined) return found
  return mode === 'create' ? ctx.deps.attrs.newId() : undefined
}

/** `["owner.id", x]` / `["owner.email", x]`: the entity linked to the one the path finds. */
function resolveThroughLink(
  ctx: TxContext,
  ns: string,
  label: string,
  value: unknown,
  mode: 'create' | 'none',
): string | undefined {
  const [linkLabel, attrLabel] = label.split('.') as [string, string]
  const link = ctx.deps.attrs.link(ns, linkLabel)
  if (link) {
    const { store } = ctx.deps
    const others =
      attrLabel === 'id'
        ? typeof value === 'string' && store.exists(link.otherNs, value)
          ? [value]
          : []
        : store.idsByValue(link.otherNs, attrLabel, value)
    const backLabel = link.forward ? link.attr.revLabel : link.attr.label
    for (const other of others) {
      const found = ctx.reader.linked(link.otherNs, other, backLabel)?.ids[0]
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

export function paramsFor(ctx: TxContext, ns: string, id: string): CelMap {
  return toCelMap(ctx.ruleParams.get(`${ns}\u0000${id}`) ?? {})
}

/**
 * Throws `permission-denied` for `target.ns`, naming the rule, unless `program` (when there is
 * one) allows; records the check instead for a perms check run.
 */
export function check(
  ctx: TxContext,
  target: CheckTarget,
  program: Program | undefined,
  vars: Record<string, unknown>,
): void {
  const results = ctx.checkResults
  if (!program) {
    if (results) results.push(checkResult(target, undefined, true, vars))
    return
  }
  const result = ctx.deps.permissions.evaluate(
    program,
    { auth: ctx.auth, request: celRequest([], ctx.requestInfo), ...vars },
    results !== undefined,
  )
  if (results) {
    results.push(checkResult(target, program, result, vars))
    return
  }
  if (!isTruthy(result)) {
    throw permissionDenied(target.ns, 'object', { action: target.action, rule: program })
  }
}

/** Instant's names for the variables a check binds. */
const BINDING_NAMES: Record<string, string> = {
  data: 'data',
  newData: 'new-data',
  linkedData: 'linked-data',
  ruleParams: 'rule-params',
}

function bindingsOf(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(vars)) {
    const key = BINDING_NAMES[name]
    if (key !== undefined) out[key] = fromCelValue(value)
  }
  const request = vars['request']
  if (request instanceof Map) {
    const fields = fromCelValue(Map.prototype.get.call(request, 'modifiedFields'))
    if (Array.isArray(fields) && fields.length > 0) out['modified-fields'] = fields
  }
  return out
}

function checkResult(
  target: CheckTarget,
  program: Program | undefined,
  result: unknown,
  vars: Record<string, unknown>,
): CheckResult {
  return {
    scope: 'object',
    action: target.action,
    etype: target.ns,
    eid: target.eid,
    program: program
      ? {
          etype: program.etype,
          action: program.action,
          code: program.code,
          'display-code': program.displayCode,
        }
      : {},
    'check-result': result ?? null,
    'check-pass?': isTruthy(result),
    bindings: bindingsOf(vars),
  }
}

export function entityVar(ctx: TxContext, ns: string, e: StoredEntity): CelMap {
  return celEntity(ns, e, ctx.reader, ctx.deps.attrs)
}
