/**
 * Which namespaces a transaction wrote, and whether it changed attributes: recorded by wrapping
 * the store's and the registry's writers, so the realtime sessions (src/local/session) recompute
 * only the subscribed queries a commit can have changed.
 */
import type { AttrRegistry } from './attrs.js'
import type { Store } from './store.js'

/** What one commit wrote. */
export interface WriteLog {
  readonly namespaces: Set<string>
  attrsChanged: boolean
}

/** A store whose writers also record their namespaces in `log` (links: both ends). */
export function loggingStore(store: Store, attrs: AttrRegistry, log: WriteLog): Store {
  const linkEnds = (attrId: string): void => {
    const a = attrs.byId(attrId)
    if (a === undefined) return
    log.namespaces.add(a.ns)
    if (a.kind === 'link') log.namespaces.add(a.revNs)
  }
  return {
    ...store,
    create(ns, id, createdAt) {
      log.namespaces.add(ns)
      store.create(ns, id, createdAt)
    },
    setAttr(ns, id, label, value) {
      log.namespaces.add(ns)
      store.setAttr(ns, id, label, value)
    },
    deleteEntity(ns, id) {
      log.namespaces.add(ns)
      store.deleteEntity(ns, id)
    },
    addLink(attrId, source, target) {
      linkEnds(attrId)
      store.addLink(attrId, source, target)
    },
    removeLink(attrId, source, target) {
      linkEnds(attrId)
      store.removeLink(attrId, source, target)
    },
    removeLinksFrom(attrId, source) {
      linkEnds(attrId)
      store.removeLinksFrom(attrId, source)
    },
    removeLinksTo(attrId, target) {
      linkEnds(attrId)
      store.removeLinksTo(attrId, target)
    },
    dropAttrData(attrId, ns, label, isLink) {
      log.namespaces.add(ns)
      linkEnds(attrId)
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
