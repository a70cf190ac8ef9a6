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
import { createTxContext, resolve, type TransactDeps, type TxContext } from './tx-context.js'
import { deleteStep, linkStep, objectStep } from './tx-entities.js'
import { OBJECT_ACTIONS, parseSteps } from './tx-parse.js'

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
