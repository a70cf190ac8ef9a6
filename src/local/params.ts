/**
 * Reading and coercing request parameters the way Instant's `ex/get-param!` does: an absent,
 * `null` or `false` value is "missing"; a present value that does not coerce is "malformed" and
 * echoed back as `original-input`.
 */
import { paramMalformed, paramMissing } from './errors.js'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The usual dot-atom email shape (local@label.label), checked after lower-casing and trimming. */
const EMAIL_RE =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/

type Coercer<T> = (value: unknown) => T | undefined

/** A canonical (lower-case) UUID, or undefined. */
export const coerceUuid: Coercer<string> = (value) =>
  typeof value === 'string' && value.length === 36 && UUID_RE.test(value)
    ? value.toLowerCase()
    : undefined

/** A lower-cased, trimmed email, or undefined. */
export const coerceEmail: Coercer<string> = (value) => {
  if (typeof value !== 'string') return undefined
  const email = value.toLowerCase().trim()
  return EMAIL_RE.test(email) ? email : undefined
}

/** A trimmed string (magic codes), or undefined. */
export const coerceTrimmed: Coercer<string> = (value) =>
  typeof value === 'string' ? value.trim() : undefined

/** Instant treats `nil` and `false` as absent. */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === false
}

/** A required parameter: missing → 400 param-missing, not coercible → 400 param-malformed. */
export function getParam<T>(
  source: Record<string, unknown>,
  path: readonly [string, string],
  coerce: Coercer<T>,
): T {
  const value = source[path[1]]
  if (isAbsent(value)) throw paramMissing(path)
  const coerced = coerce(value)
  if (coerced === undefined) throw paramMalformed(path, value)
  return coerced
}

/** An optional parameter: absent → undefined, present but not coercible → 400 param-malformed. */
export function getOptionalParam<T>(
  source: Record<string, unknown>,
  path: readonly [string, string],
  coerce: Coercer<T>,
): T | undefined {
  const value = source[path[1]]
  if (isAbsent(value)) return undefined
  const coerced = coerce(value)
  if (coerced === undefined) throw paramMalformed(path, value)
  return coerced
}
