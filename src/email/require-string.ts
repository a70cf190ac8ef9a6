/**
 * The one option check every provider makes: a required, non-empty string.
 */

/** Returns `options[key]`, or throws a `TypeError` naming `factory` and the option. */
export function requireString<K extends string>(options: unknown, key: K, factory: string): string {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${factory}(options): options must be an object`)
  }
  const value = (options as Partial<Record<K, unknown>>)[key]
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${factory}: options.${key} must be a non-empty string`)
  }
  return value
}
