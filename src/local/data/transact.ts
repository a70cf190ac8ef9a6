/**
 * `POST /admin/transact`: validates the steps, creates missing attributes (or refuses when
 * `throw-on-missing-attrs?`), then runs every step and every permission check inside one SQLite
 * transaction, so a failure anywhere leaves nothing behind. Each kind of step lives in its own
 * file: tx-parse.ts, tx-attrs.ts, tx-entities.ts, tx-checks.ts; shared state in tx-context.ts.
 */
import { paramMalformed, paramMissing } from '../errors.js'
import type { Caller } from './caller.js'
import { assertSafeInput } from './engine-errors.js'
import { isRecord } from './is-record.js'
import { attrStep, createMissingAttrs } from './tx-attrs.js'
import { deferredChecks } from './tx-checks.js'
import type { RequestInfo } from './cel.js'
import {
  createTxContext,
  resolve,
  type CheckResult,
  type TransactDeps,
  type TxContext,
} from './tx-context.js'
import { deleteStep, linkStep, objectStep } from './tx-entities.js'
import { OBJECT_ACTIONS, parseSteps, type ParsedStep } from './tx-parse.js'

/** The steps of a transact body, checked and parsed. */
function stepsOf(body: unknown): {
  steps: unknown[]
  parsed: ParsedStep[]
  throwOnMissing: boolean
} {
  if (!isRecord(body) || body['steps'] === undefined || body['steps'] === null) {
    throw paramMissing(['body', 'steps'])
  }
  const steps = body['steps']
  if (!Array.isArray(steps)) throw paramMalformed(['body', 'steps'], steps)
  assertSafeInput('steps', steps)
  return {
    steps,
    parsed: parseSteps(steps),
    throwOnMissing: body['throw-on-missing-attrs?'] === true,
  }
}

/** Runs one `/admin/transact` body and returns `{ 'tx-id': n }`. */
export function runTransact(
  deps: TransactDeps,
  body: unknown,
  caller: Caller,
): { 'tx-id': number } {
  const { steps, parsed, throwOnMissing } = stepsOf(body)
  try {
    return deps.db.transaction(() =>
      run(createTxContext(deps, caller, steps, parsed, throwOnMissing)),
    )()
  } catch (e) {
    // The SQLite rollback undid data_attrs; bring the in-memory registry back in line.
    deps.attrs.reload()
    deps.store.clearCache()
    throw e
  }
}

/** The answer of `/admin/transact_perms_check` (admin/routes.clj `transact-perms-check`). */
export interface TransactCheckAnswer {
  'tx-id': number
  'all-checks-ok?': boolean
  'committed?': boolean
  'check-results': CheckResult[]
}

/** Thrown inside the SQLite transaction to roll a dry run back. */
const ROLLBACK = Symbol('rollback')

/**
 * Runs a transact body as `caller` with every check recorded instead of enforced, then rolls it
 * all back, unless `commit` is set and every check passed (Instant's `admin-dry-run?`).
 */
export function runTransactCheck(
  deps: TransactDeps,
  body: unknown,
  caller: Caller,
  options: { commit: boolean; requestInfo: RequestInfo },
): TransactCheckAnswer {
  const { steps, parsed, throwOnMissing } = stepsOf(body)
  const checkResults: CheckResult[] = []
  let answer: TransactCheckAnswer | undefined
  try {
    deps.db.transaction(() => {
      const ctx = createTxContext(deps, caller, steps, parsed, throwOnMissing, {
        checkResults,
        requestInfo: options.requestInfo,
      })
      const { 'tx-id': txId } = run(ctx)
      const ok = checkResults.every((r) => r['check-pass?'])
      const committed = options.commit && ok
      answer = {
        'tx-id': txId,
        'all-checks-ok?': ok,
        'committed?': committed,
        'check-results': checkResults,
      }
      if (!committed) throw ROLLBACK
    })()
  } catch (e) {
    deps.attrs.reload()
    deps.store.clearCache()
    if (e !== ROLLBACK) throw e
  }
  return answer as TransactCheckAnswer
}

/** Attr steps, missing attrs, rule params, then every entity step in order, then the checks. */
function run(ctx: TxContext): { 'tx-id': number } {
  // Explicit attr steps first, so the labels they declare are not auto-created as blobs.
  for (const s of ctx.steps) if (!('ref' in s)) attrStep(ctx, s.action, s.raw, s.idx)
  createMissingAttrs(ctx)
  for (const s of ctx.steps) {
    if ('ref' in s && s.action === 'ruleParams') {
      const id = resolve(ctx, s.ns, s.ref, 'none')
      const k = `${s.ns}\u0000${id ?? JSON.stringify(s.ref)}`
      ctx.ruleParams.set(k, { ...ctx.ruleParams.get(k), ...s.args })
    }
  }
  for (const s of ctx.steps) {
    if (!('ref' in s)) continue
    else if (OBJECT_ACTIONS.has(s.action)) objectStep(ctx, s)
    else if (s.action === 'delete') deleteStep(ctx, s)
    else if (s.action === 'link' || s.action === 'unlink') linkStep(ctx, s)
  }
  if (!ctx.admin) deferredChecks(ctx)
  return { 'tx-id': ctx.deps.store.nextTxId() }
}
