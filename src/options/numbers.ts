/**
 * The one check of numeric options (counts, sizes, timeouts) that every factory runs, once, at
 * factory time. One rule shape, one message style, in the manner of `checkOptionKeys`:
 *
 * ```text
 * requireInstantUser(): `cache.ttlMs` must be a positive number of milliseconds up to 2147483647 (default 30000); got -1.
 * ```
 *
 * The message names the factory, the option's full path, what is expected (unit and range) and
 * the default. It shows the value received only when it is a number, a boolean, `null` or
 * `undefined`; of anything else (a string may be a pasted secret) it says only the type.
 */
import { MAX_TIMEOUT_MS } from './timeout.js'
import { optionError } from './option-error.js'

/** A TCP port to listen on; 0 picks a free one. */
export const PORT_RULE: NumberRule = { integer: true, min: 0, max: 65_535 }

/** What a numeric option must be. Without `min`, the value must be above 0. */
export interface NumberRule {
  /** Whole numbers only (counts, bytes); they are also bounded by `Number.MAX_SAFE_INTEGER`. */
  readonly integer?: boolean
  /** The smallest value allowed (inclusive). Omitted: any value above 0. */
  readonly min?: number
  /** The largest value allowed (inclusive). Omitted: any finite value. */
  readonly max?: number
  /** `Infinity` is allowed too, and means "no limit". */
  readonly infinity?: boolean
  /** The unit, in words, for the message: `'milliseconds'`, `'bytes'`. */
  readonly unit?: string
}

/** Where a numeric option sits, for the message, and what it defaults to. */
export interface NumberOption {
  /** The factory the caller called, as `checkOptionKeys` names it: `'requireInstantUser'`. */
  readonly factory: string
  /** The option's full path: `'cache.ttlMs'`, `'dailyLimits.sendsPerEmail'`. */
  readonly option: string
  /** What `undefined` gives. Omitted: the option is required. */
  readonly default?: number
}

/**
 * Validates one numeric option: `undefined` gives the default; a value that breaks `rule`
 * throws a `TypeError` naming the factory, the option, the expected range and the default.
 *
 * @example
 * ```ts
 * resolveNumber(-1, { factory: 'requireInstantUser', option: 'cache.ttlMs', default: 30_000, unit: 'milliseconds', max: MAX_TIMEOUT_MS })
 * // TypeError: requireInstantUser(): `cache.ttlMs` must be a positive number of milliseconds up to 2147483647 (default 30000); got -1.
 * ```
 */
export function resolveNumber(value: unknown, where: NumberOption & NumberRule): number {
  if (value === undefined && where.default !== undefined) return where.default
  if (fitsNumberRule(value, where)) return value
  const fallback = where.default === undefined ? '' : ` (default ${where.default})`
  throw optionError(where.factory, where.option, `be ${expectedNumber(where)}${fallback}`, value)
}

/** A timeout in ms: positive and within what `setTimeout` honours ({@link MAX_TIMEOUT_MS}). */
export const TIMEOUT_RULE: NumberRule = { unit: 'milliseconds', max: MAX_TIMEOUT_MS }

/** Validates a timeout in ms by {@link TIMEOUT_RULE} (whole ms with `integer`). */
export function resolveTimeoutMs(
  value: unknown,
  where: NumberOption & Pick<NumberRule, 'integer'>,
): number {
  return resolveNumber(value, { ...where, ...TIMEOUT_RULE })
}

/** A count: a positive integer, optionally capped. */
export function resolvePositiveInt(
  value: unknown,
  where: NumberOption & Pick<NumberRule, 'max' | 'unit' | 'infinity'>,
): number {
  return resolveNumber(value, { ...where, integer: true })
}

/** A size in bytes: a positive integer. */
export function resolveBytes(
  value: unknown,
  where: NumberOption & Pick<NumberRule, 'infinity'>,
): number {
  return resolveNumber(value, { ...where, integer: true, unit: 'bytes' })
}

/** True when `value` is a number that `rule` allows. */
export function fitsNumberRule(value: unknown, rule: NumberRule): value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) return false
  if (value === Infinity) return rule.infinity === true
  if (!Number.isFinite(value)) return false
  if (rule.integer === true && !Number.isSafeInteger(value)) return false
  if (rule.min === undefined ? value <= 0 : value < rule.min) return false
  return rule.max === undefined || value <= rule.max
}

/**
 * What `rule` asks for, in words: "a positive number of milliseconds up to 2147483647",
 * "an integer from 0 to 65535", "a positive integer, or Infinity for no limit".
 */
export function expectedNumber(rule: NumberRule): string {
  const kind =
    rule.integer === true ? (rule.unit === undefined ? 'integer' : 'whole number') : 'number'
  const noun = rule.unit === undefined ? kind : `${kind} of ${rule.unit}`
  let text: string
  if (rule.min === undefined) {
    text = `a positive ${noun}${rule.max === undefined ? '' : ` up to ${rule.max}`}`
  } else if (rule.max === undefined) {
    text =
      rule.min === 0 ? `a non-negative ${noun}` : `${article(noun)} ${noun} of at least ${rule.min}`
  } else {
    text = `${article(noun)} ${noun} from ${rule.min} to ${rule.max}`
  }
  return rule.infinity === true ? `${text}, or Infinity for no limit` : text
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a'
}
