/**
 * Reads the object `i.schema({ entities, links })` returns (or its JSON) into attr definitions
 * and merges them into the registry. Attributes absent from the schema are kept, as Instant
 * keeps them until you delete them explicitly.
 */
import type { AttrRegistry, DataAttr, LinkAttr, ValueType } from './attrs.js'
import { isRecord } from './is-record.js'

const VALUE_TYPES: ReadonlySet<string> = new Set([
  'string',
  'number',
  'boolean',
  'date',
  'json',
  'any',
])

/** Applies a schema to the registry. Throws a `TypeError` naming the bad part. */
export function applySchema(registry: AttrRegistry, schema: unknown): void {
  if (schema === undefined || schema === null) return
  if (!isRecord(schema)) throw new TypeError('schema must be the object i.schema() returns')
  const entities = schema['entities'] ?? {}
  const links = schema['links'] ?? {}
  if (!isRecord(entities) || !isRecord(links)) {
    throw new TypeError('schema.entities and schema.links must be objects')
  }
  for (const [ns, entity] of Object.entries(entities)) {
    const attrs = isRecord(entity) && isRecord(entity['attrs']) ? entity['attrs'] : {}
    for (const [label, def] of Object.entries(attrs)) {
      if (label === 'id' || !isRecord(def)) continue
      const config = isRecord(def['config']) ? def['config'] : {}
      const rawType = def['valueType']
      const existing = registry.data(ns, label)
      const attr: DataAttr = {
        kind: 'data',
        id: existing?.id ?? registry.newId(),
        ns,
        label,
        unique: config['unique'] === true,
        indexed: config['indexed'] === true || def['isIndexed'] === true,
      }
      if (typeof rawType === 'string' && VALUE_TYPES.has(rawType)) {
        attr.valueType = rawType as ValueType
      }
      if (existing?.id.startsWith('sys-')) continue
      registry.put(attr)
    }
  }
  for (const [name, link] of Object.entries(links)) {
    if (!isRecord(link) || !isRecord(link['forward']) || !isRecord(link['reverse'])) {
      throw new TypeError(`schema.links.${name} needs forward and reverse`)
    }
    const fwd = link['forward']
    const rev = link['reverse']
    const ns = String(fwd['on'])
    const label = String(fwd['label'])
    const existing = registry.link(ns, label)
    // `instant-cli pull` writes the system link `$users.linkedPrimaryUser` into schemas.
    if (existing?.attr.id.startsWith('sys-')) continue
    const attr: LinkAttr = {
      kind: 'link',
      id: existing?.forward ? existing.attr.id : registry.newId(),
      ns,
      label,
      revNs: String(rev['on']),
      revLabel: String(rev['label']),
      has: fwd['has'] === 'one' ? 'one' : 'many',
      revHas: rev['has'] === 'one' ? 'one' : 'many',
    }
    if (fwd['onDelete'] === 'cascade') attr.onDelete = 'cascade'
    if (rev['onDelete'] === 'cascade') attr.onDeleteReverse = 'cascade'
    registry.put(attr)
  }
}
