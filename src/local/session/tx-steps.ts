/**
 * Turns a session's `transact` tx-steps (triples keyed by attr id, Instant's internal format)
 * into the label-keyed steps of `/admin/transact`, so they run through the same transaction
 * engine and permission rules. Consecutive triples of one entity become one step, so `update`
 * and `create` rules see the whole `newData` at once, as Instant's grouping does.
 */
import { validationFailed } from '../errors.js'
import type { AttrRegistry } from '../data/attrs.js'
import { isRecord } from '../data/is-record.js'

/** What a tx-step's attr id stands for. */
interface AttrInfo {
  ns: string
  label: string
  ref: boolean
  /** For refs: the namespace at the other end and the reverse label. */
  revNs?: string
  revLabel?: string
}

type AdminStep = unknown[]

/** Converts tx-steps; throws Instant's `validation-failed` for a step it cannot read. */
export function toAdminSteps(attrs: AttrRegistry, txSteps: unknown): AdminStep[] {
  if (!Array.isArray(txSteps)) {
    throw validationFailed('tx-steps', txSteps, [{ message: 'tx-steps must be a list' }])
  }
  const declared = new Map<string, AttrInfo>()
  for (const step of txSteps) {
    if (!Array.isArray(step) || step[0] !== 'add-attr' || !isRecord(step[1])) continue
    const a = step[1]
    const fwd = a['forward-identity']
    const rev = a['reverse-identity']
    if (typeof a['id'] !== 'string' || !Array.isArray(fwd)) continue
    declared.set(a['id'], {
      ns: String(fwd[1]),
      label: String(fwd[2]),
      ref: a['value-type'] === 'ref',
      ...(Array.isArray(rev) ? { revNs: String(rev[1]), revLabel: String(rev[2]) } : {}),
    })
  }
  const info = (attrId: unknown, at: number): AttrInfo => {
    const id = String(attrId)
    const known = declared.get(id)
    if (known) return known
    const a = attrs.byId(id)
    if (!a) {
      throw validationFailed('tx-steps', txSteps, [
        { message: `Attribute ${id} does not exist.`, in: [at] },
      ])
    }
    return a.kind === 'link'
      ? { ns: a.ns, label: a.label, ref: true, revNs: a.revNs, revLabel: a.revLabel }
      : { ns: a.ns, label: a.label, ref: false }
  }
  /** `[attrId, value]` lookups become the admin form `[label, value]` (`link.id` for refs). */
  const ref = (e: unknown, ns: string, at: number): unknown => {
    if (!Array.isArray(e) || e.length !== 2) return e
    const a = info(e[0], at)
    if (!a.ref) return [a.label, e[1]]
    const label = a.ns === ns ? a.label : (a.revLabel ?? a.label)
    return [`${label}.id`, e[1]]
  }

  const out: AdminStep[] = []
  /** The object step being filled: merged while the same entity and action continue. */
  let open: { action: string; ns: string; key: string; args: Record<string, unknown> } | undefined
  const objectStep = (
    action: string,
    ns: string,
    e: unknown,
    opts: Record<string, unknown> | undefined,
  ): Record<string, unknown> => {
    const key = JSON.stringify(e)
    if (open && open.action === action && open.ns === ns && open.key === key) return open.args
    const args: Record<string, unknown> = {}
    out.push(opts ? [action, ns, e, args, opts] : [action, ns, e, args])
    open = { action, ns, key, args }
    return args
  }

  txSteps.forEach((step, at) => {
    if (!Array.isArray(step) || typeof step[0] !== 'string') {
      throw validationFailed('tx-steps', txSteps, [
        { message: 'Each step must be a list.', in: [at] },
      ])
    }
    const op = step[0]
    switch (op) {
      case 'add-attr':
      case 'update-attr':
      case 'delete-attr':
        open = undefined
        out.push(step)
        return
      case 'add-triple':
      case 'deep-merge-triple': {
        const a = info(step[2], at)
        const e = ref(step[1], a.ns, at)
        if (a.ref) {
          open = undefined
          out.push(['link', a.ns, e, { [a.label]: ref(step[3], a.revNs ?? a.label, at) }])
          return
        }
        const mode = isRecord(step[4]) ? step[4]['mode'] : undefined
        const action =
          op === 'deep-merge-triple' ? 'merge' : mode === 'create' ? 'create' : 'update'
        const args = objectStep(action, a.ns, e, mode === 'update' ? { upsert: false } : undefined)
        if (a.label !== 'id') args[a.label] = step[3]
        return
      }
      case 'retract-triple': {
        const a = info(step[2], at)
        const e = ref(step[1], a.ns, at)
        open = undefined
        if (a.ref)
          out.push(['unlink', a.ns, e, { [a.label]: ref(step[3], a.revNs ?? a.label, at) }])
        else if (a.label !== 'id') out.push(['update', a.ns, e, { [a.label]: null }])
        return
      }
      case 'delete-entity': {
        open = undefined
        const ns = String(step[2])
        out.push(['delete', ns, ref(step[1], ns, at)])
        return
      }
      case 'rule-params': {
        open = undefined
        const ns = String(step[2])
        out.push(['ruleParams', ns, ref(step[1], ns, at), isRecord(step[3]) ? step[3] : {}])
        return
      }
      default:
        throw validationFailed('tx-steps', txSteps, [
          { message: `Unknown tx-step \`${op}\`.`, in: [at, 0] },
        ])
    }
  })
  return out
}
