/**
 * Entity ids in transaction steps: UUIDs and the three lookup forms (admin/model.clj).
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True for a UUID string in any case. */
export function isUuid(x: unknown): x is string {
  return typeof x === 'string' && UUID_RE.test(x)
}

/** An entity reference: a UUID, or a lookup by a unique attribute. */
export type EntityRef = { id: string } | { lookup: { label: string; value: unknown } }

/** Decodes `lookup__attr__"json value"` (the SDK's encoding of `lookup()` inside link args). */
function decodeLookupString(s: string): EntityRef | undefined {
  if (!s.startsWith('lookup__')) return undefined
  const rest = s.slice('lookup__'.length)
  const sep = rest.indexOf('__')
  if (sep <= 0) return undefined
  try {
    return {
      lookup: { label: rest.slice(0, sep), value: JSON.parse(rest.slice(sep + 2)) as unknown },
    }
  } catch {
    return undefined
  }
}

/** Parses a step's entity id or a link target; `undefined` when it is none of the forms. */
export function parseEntityRef(x: unknown): EntityRef | undefined {
  if (isUuid(x)) return { id: x.toLowerCase() }
  if (typeof x === 'string') return decodeLookupString(x)
  if (Array.isArray(x) && x.length === 2 && typeof x[0] === 'string') {
    return { lookup: { label: x[0], value: x[1] as unknown } }
  }
  if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
    const entries = Object.entries(x)
    if (entries.length === 1) {
      const [label, value] = entries[0] as [string, unknown]
      return { lookup: { label, value } }
    }
  }
  return undefined
}
