/**
 * Deletes and their cascades: who goes with an entity through `onDelete: 'cascade'` links.
 * Shared by `delete` steps and the auth side's user deletion.
 */
import type { TransactDeps } from './tx-context.js'

/** The part of the engine that deletes and cascades need. */
type GraphDeps = Pick<TransactDeps, 'store' | 'attrs'>

/** Who points at `id` (or is pointed at by it) through a cascading link: deleted along with it. */
function cascadeTargets(deps: GraphDeps, ns: string, id: string): [string, string][] {
  const out: [string, string][] = []
  for (const l of deps.attrs.linksTouching(ns)) {
    const a = l.attr
    if (l.forward && a.onDeleteReverse === 'cascade') {
      for (const t of deps.store.targets(a.id, id)) out.push([a.revNs, t])
    } else if (!l.forward && a.onDelete === 'cascade') {
      for (const src of deps.store.sources(a.id, id)) out.push([a.ns, src])
    }
  }
  return out
}

/** The entity and everything its delete cascades to, root first, each once. */
export function cascadeOf(deps: GraphDeps, ns: string, id: string): [string, string][] {
  const seen = new Set<string>()
  const out: [string, string][] = []
  const queue: [string, string][] = [[ns, id]]
  for (let item = queue.shift(); item; item = queue.shift()) {
    const key = `${item[0]}\u0000${item[1]}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(item)
    queue.push(...cascadeTargets(deps, item[0], item[1]))
  }
  return out
}

/**
 * Deletes an entity, its links, and whatever its links cascade to (`onDelete: 'cascade'` on the
 * side that points at it). Used by `delete` steps and by the engine's `onUserDeleted`.
 */
export function deleteEntityCascading(deps: GraphDeps, ns: string, id: string): void {
  const { store, attrs } = deps
  for (const [cns, cid] of cascadeOf(deps, ns, id)) {
    for (const l of attrs.linksTouching(cns)) {
      if (l.forward) store.removeLinksFrom(l.attr.id, cid)
      else store.removeLinksTo(l.attr.id, cid)
    }
    store.deleteEntity(cns, cid)
  }
}
