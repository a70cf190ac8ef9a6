/**
 * Which namespaces and entities a transaction wrote, and whether it changed attributes: recorded
 * by wrapping the store's and the registry's writers, so the realtime sessions (src/local/session)
 * recompute only the subscribed queries a commit can have changed.
 */
import type { AttrRegistry } from './attrs.js'
import type { Store } from './store.js'

/** What one commit wrote. */
export interface WriteLog {
  readonly namespaces: Set<string>
  /**
   * The entities written, per namespace; `'any'` when a write reached entities it cannot name
   * (dropping an attribute's data, removing every link from or to one end).
   */
  readonly entities: Map<string, Set<string> | 'any'>
  attrsChanged: boolean
}

function touch(log: WriteLog, ns: string, id: string): void {
  log.namespaces.add(ns)
  const ids = log.entities.get(ns)
  if (ids === 'any') return
  if (ids === undefined) log.entities.set(ns, new Set([id]))
  else ids.add(id)
}

function touchAny(log: WriteLog, ns: string): void {
  log.namespaces.add(ns)
  log.entities.set(ns, 'any')
}

/** A store whose writers also record their namespaces in `log` (links: both ends). */
export function loggingStore(store: Store, attrs: AttrRegistry, log: WriteLog): Store {
  /** Both ends of a link write, each id under both namespaces (whichever way it points). */
  const linkEnds = (attrId: string, a: string, b: string): void => {
    const attr = attrs.byId(attrId)
    if (attr === undefined) return
    for (const ns of attr.kind === 'link' ? [attr.ns, attr.revNs] : [attr.ns]) {
      touch(log, ns, a)
      touch(log, ns, b)
    }
  }
  const linkEndsAny = (attrId: string): void => {
    const attr = attrs.byId(attrId)
    if (attr === undefined) return
    touchAny(log, attr.ns)
    if (attr.kind === 'link') touchAny(log, attr.revNs)
  }
  return {
    ...store,
    create(ns, id, createdAt) {
      touch(log, ns, id)
      store.create(ns, id, createdAt)
    },
    setAttr(ns, id, label, value) {
      touch(log, ns, id)
      store.setAttr(ns, id, label, value)
    },
    deleteEntity(ns, id) {
      touch(log, ns, id)
      store.deleteEntity(ns, id)
    },
    addLink(attrId, source, target) {
      linkEnds(attrId, source, target)
      store.addLink(attrId, source, target)
    },
    removeLink(attrId, source, target) {
      linkEnds(attrId, source, target)
      store.removeLink(attrId, source, target)
    },
    removeLinksFrom(attrId, source) {
      linkEndsAny(attrId)
      store.removeLinksFrom(attrId, source)
    },
    removeLinksTo(attrId, target) {
      linkEndsAny(attrId)
      store.removeLinksTo(attrId, target)
    },
    dropAttrData(attrId, ns, label, isLink) {
      touchAny(log, ns)
      linkEndsAny(attrId)
      store.dropAttrData(attrId, ns, label, isLink)
    },
  }
}

/** A registry whose `put` and `remove` also flag `log.attrsChanged`. */
export function loggingAttrs(attrs: AttrRegistry, log: WriteLog): AttrRegistry {
  return {
    ...attrs,
    put(attr) {
      log.attrsChanged = true
      attrs.put(attr)
    },
    remove(id) {
      log.attrsChanged = true
      attrs.remove(id)
    },
  }
}
