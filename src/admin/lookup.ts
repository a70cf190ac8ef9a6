const LOOKUP_PREFIX = 'lookup__'

/**
 * Refers to an entity by a unique attribute instead of its id. Returns the encoded string
 * `lookup__<attr>__<JSON value>`, exactly as `@instantdb/admin`'s `lookup` does.
 *
 * As an entity id (`tx.users[lookup('email', e)]`) it goes on the wire as `[attr, value]`;
 * as a link target (`link({ owner: lookup('email', e) })`) it stays the encoded string.
 *
 * @example
 * ```ts
 * await db.transact(db.tx.users[lookup('email', 'alyssa@example.com')].update({ nickname: 'al' }))
 * ```
 */
export function lookup(attribute: string, value: unknown): string {
  return `${LOOKUP_PREFIX}${attribute}__${JSON.stringify(value)}`
}

/** True for a string made by {@link lookup}. */
export function isLookup(key: string): boolean {
  return key.startsWith(LOOKUP_PREFIX)
}

/** `lookup__email__"a@b.co"` → `['email', 'a@b.co']`. The value may itself contain `__`. */
export function parseLookup(key: string): [string, unknown] {
  const rest = key.slice(LOOKUP_PREFIX.length)
  const separator = rest.indexOf('__')
  return [rest.slice(0, separator), JSON.parse(rest.slice(separator + 2))]
}
