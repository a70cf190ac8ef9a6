/**
 * The one message of every option error, in every factory:
 *
 * ```text
 * requireInstantUser(): `allowGuests` must be a boolean (default false); got "yes".
 * ```
 *
 * The factory as the caller called it, the option's full path, what it must be, and what was
 * received. Of what was received it shows numbers, booleans, `null` and `undefined` as they are,
 * and of anything else only the type: a string may be a pasted secret.
 */

/**
 * A `TypeError` for one option: ``factory(): `option` must …; got ….``. `must` is the rest of
 * the sentence after "must" (`'be a boolean (default false)'`); `got` overrides the description
 * of `value` where the message needs more than its type (never a secret).
 *
 * @example
 * ```ts
 * throw optionError('signInRouter', 'path', 'be a path starting with "/", e.g. "/sign-in"', 42)
 * // TypeError: signInRouter(): `path` must be a path starting with "/", e.g. "/sign-in"; got 42.
 * ```
 */
export function optionError(
  factory: string,
  option: string,
  must: string,
  value: unknown,
  got: string = describeValue(value),
): TypeError {
  return new TypeError(`${factory}(): \`${option}\` must ${must}; got ${got}.`)
}

/** The value for a message: numbers and booleans as they are, anything else by its type only. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value)
  if (typeof value === 'boolean' || value === null || value === undefined) return String(value)
  if (typeof value === 'bigint') return 'a bigint'
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}
