/**
 * Permission checks that run after all of a transaction's writes (non-admin callers only).
 */
import { check, entityVar, paramsFor, type TxContext } from './tx-context.js'

/**
 * The checks that must see the transaction's result: `create` rules of new entities, and
 * link rules (or, without one, `update` of the source and `view` of the target).
 */
export function deferredChecks(ctx: TxContext): void {
  const { permissions, store, attrs } = ctx.deps
  for (const key of ctx.created) {
    const [ns, id] = key.split('\u0000') as [string, string]
    const e = store.load(ns, id)
    if (!e) continue
    const data = entityVar(ctx, ns, e)
    check(ctx, { action: 'create', ns, eid: id }, permissions.program(ns, 'create'), {
      data,
      newData: data,
      ruleParams: paramsFor(ctx, ns, id),
    })
  }
  for (const l of ctx.deferredLinks) {
    const self = store.load(l.ns, l.id) ?? { id: l.id, createdAt: ctx.now, attrs: {} }
    const other = store.load(l.otherNs, l.otherId) ?? {
      id: l.otherId,
      createdAt: ctx.now,
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
    const selfVar = entityVar(ctx, l.ns, self)
    const otherVar = entityVar(ctx, l.otherNs, other)
    if (program) {
      check(ctx, { action: l.kind, ns: l.ns, eid: l.id }, program, {
        data: selfVar,
        newData: selfVar,
        linkedData: otherVar,
        ruleParams: paramsFor(ctx, l.ns, l.id),
      })
      continue
    }
    if (!ctx.created.has(`${l.ns}\u0000${l.id}`)) {
      check(ctx, { action: 'update', ns: l.ns, eid: l.id }, permissions.program(l.ns, 'update'), {
        data: selfVar,
        newData: selfVar,
        ruleParams: paramsFor(ctx, l.ns, l.id),
      })
    }
    check(
      ctx,
      { action: 'view', ns: l.otherNs, eid: l.otherId },
      permissions.program(l.otherNs, 'view'),
      {
        data: otherVar,
        ruleParams: paramsFor(ctx, l.otherNs, l.otherId),
      },
    )
  }
}
