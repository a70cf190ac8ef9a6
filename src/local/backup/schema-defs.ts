/**
 * The registry as the `schema` of `config.json`: the JSON of `i.schema({ entities, links })`,
 * shaped as Instant's `schema->defs` writes it (every attr with `valueType` and `config`, every
 * link named `<forward ns><Label>`), system namespaces included.
 */
import type { AttrRegistry } from '../data/attrs.js'

interface AttrDef {
  valueType: string
  config: { unique: boolean; indexed: boolean }
}

interface LinkEnd {
  on: string
  label: string
  has: 'one' | 'many'
  onDelete?: 'cascade'
}

/** The schema of `registry`; `namespaces` (those holding entities) appear even without attrs. */
export function schemaDefs(
  registry: AttrRegistry,
  namespaces: readonly string[],
): {
  entities: Record<string, { attrs: Record<string, AttrDef> }>
  links: Record<string, unknown>
} {
  const entities: Record<string, { attrs: Record<string, AttrDef> }> = {}
  const entity = (ns: string) => (entities[ns] ??= { attrs: {} })
  for (const ns of namespaces) entity(ns)
  const links: Record<string, { forward: LinkEnd; reverse: LinkEnd }> = {}
  for (const attr of registry.all()) {
    if (attr.kind === 'data') {
      if (attr.label === 'id') continue
      entity(attr.ns).attrs[attr.label] = {
        valueType: attr.valueType ?? 'any',
        config: { unique: attr.unique, indexed: attr.indexed },
      }
      continue
    }
    const forward: LinkEnd = { on: attr.ns, label: attr.label, has: attr.has }
    if (attr.onDelete) forward.onDelete = attr.onDelete
    const reverse: LinkEnd = { on: attr.revNs, label: attr.revLabel, has: attr.revHas }
    if (attr.onDeleteReverse) reverse.onDelete = attr.onDeleteReverse
    const name = attr.ns + attr.label.charAt(0).toUpperCase() + attr.label.slice(1)
    links[name] = { forward, reverse }
  }
  return { entities, links }
}
