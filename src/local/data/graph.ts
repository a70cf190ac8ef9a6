/**
 * Reading entities and walking links, shared by `where` evaluation, the result tree and
 * `data.ref(...)` in rules. A reader made for one query caches entity loads; one made inside a
 * transaction does not, because the transaction keeps changing them.
 */
import type { AttrRegistry } from './attrs.js'
import type { StoredEntity, Store } from './store.js'

/** Entity access with link traversal by label. */
export interface GraphReader {
  load(ns: string, id: string): StoredEntity | undefined
  /** Ids at the other end of link `label` from entity `id` of `ns` (existing entities only). */
  linked(ns: string, id: string, label: string): { ns: string; ids: string[] } | undefined
  /**
   * Values at the end of `path` from one entity: links for every segment but the last, then an
   * attribute, `id`, or a link label (whose values are ids). A missing link or attribute yields
   * `null`, which is how `$isNull` and `$not` see missing values.
   */
  values(ns: string, entity: StoredEntity, path: readonly string[]): unknown[]
  /** `data.ref('a.b')`: like `values` but without the nulls, as Instant's ref returns. */
  ref(ns: string, id: string, path: readonly string[]): unknown[]
}

/** Builds a reader; `cache` turns on per-reader memoisation of loads. */
export function createGraphReader(store: Store, attrs: AttrRegistry, cache: boolean): GraphReader {
  const memo = new Map<string, StoredEntity | null>()

  function load(ns: string, id: string): StoredEntity | undefined {
    if (!cache) return store.load(ns, id)
    const k = `${ns}\u0000${id}`
    const hit = memo.get(k)
    if (hit !== undefined) return hit ?? undefined
    const e = store.load(ns, id)
    memo.set(k, e ?? null)
    return e
  }

  function linked(
    ns: string,
    id: string,
    label: string,
  ): { ns: string; ids: string[] } | undefined {
    const link = attrs.link(ns, label)
    if (!link) return undefined
    const raw = link.forward ? store.targets(link.attr.id, id) : store.sources(link.attr.id, id)
    return { ns: link.otherNs, ids: raw.filter((x) => load(link.otherNs, x) !== undefined) }
  }

  function values(ns: string, entity: StoredEntity, path: readonly string[]): unknown[] {
    const [head, ...rest] = path
    if (head === undefined) return [null]
    if (rest.length === 0) {
      if (head === 'id') return [entity.id]
      const l = linked(ns, entity.id, head)
      if (l) return l.ids.length > 0 ? l.ids : [null]
      const v = entity.attrs[head]
      return [v === undefined ? null : v]
    }
    const l = linked(ns, entity.id, head)
    if (!l || l.ids.length === 0) return [null]
    const out: unknown[] = []
    for (const id of l.ids) {
      const child = load(l.ns, id)
      if (child) out.push(...values(l.ns, child, rest))
    }
    return out.length > 0 ? out : [null]
  }

  return {
    load,
    linked,
    values,
    ref(ns, id, path) {
      const e = load(ns, id)
      if (!e) return []
      return values(ns, e, path).filter((v) => v !== null)
    },
  }
}
