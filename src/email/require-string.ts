/**
 * The one option check every provider makes: a required, non-empty string.
 */
import { optionError } from '../options/option-error.js'

/** Returns `options[key]`, or throws a `TypeError` naming `factory` and the option. */
export function requireString<K extends string>(options: unknown, key: K, factory: string): string {
  if (typeof options !== 'object' || options === null) {
    throw optionError(factory, 'options', 'be an object', options)
  }
  const value = (options as Partial<Record<K, unknown>>)[key]
  if (typeof value !== 'string' || value.trim() === '') {
    throw optionError(factory, key, 'be a non-empty string', value)
  }
  return value
}
