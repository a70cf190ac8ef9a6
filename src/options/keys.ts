/**
 * The one check of option names that every factory runs. An unknown key is almost always a
 * misspelling, and ignoring it is unsafe: `signInRouter({ allowSignup: false })` would leave
 * sign-up on. So it throws a `TypeError` naming the factory, the key and the closest known key
 * (express-rate-limit's `knownOptions` check, made strict).
 */

/** Every key of every member of a union (`keyof` of a union keeps only the shared keys). */
type AllKeys<T> = T extends unknown ? keyof T : never

/** Known keys: `true` for an option taken as is, a nested spec for an object whose keys are checked too. */
export interface KeySpec {
  readonly [key: string]: true | KeySpec
}

/**
 * The known keys of `Options`, complete: use it with `satisfies` next to the options interface,
 * so an option added to the interface but not to its list (or the reverse) fails to compile.
 *
 * @example
 * ```ts
 * const SIGN_OUT_OPTIONS = { ...COMMON_OPTIONS, path: true } satisfies OptionKeys<SignOutRouterOptions>
 * ```
 */
export type OptionKeys<Options> = { readonly [K in AllKeys<Options>]-?: true | KeySpec }

/**
 * Throws a `TypeError` for the first key of `options` (and of its nested option objects that
 * `known` describes) that `known` does not list. Non-objects are left to the factory's own
 * checks, which say what the options must be.
 *
 * @example
 * ```ts
 * checkOptionKeys({ allowSignup: false }, { allowSignUp: true }, 'signInRouter')
 * // TypeError: signInRouter(): unknown option `allowSignup` (did you mean `allowSignUp`?).
 * ```
 */
export function checkOptionKeys(options: unknown, known: KeySpec, factory: string): void {
  checkLevel(options, known, factory, '')
}

function checkLevel(options: unknown, known: KeySpec, factory: string, prefix: string): void {
  if (!isPlainObject(options)) return
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(known, key)) {
      const closest = closestKey(key, Object.keys(known))
      const hint = closest === undefined ? '' : ` (did you mean \`${prefix}${closest}\`?)`
      throw new TypeError(`${factory}(): unknown option \`${prefix}${key}\`${hint}.`)
    }
    const nested = known[key]
    if (nested !== true && nested !== undefined) {
      checkLevel(options[key], nested, factory, `${prefix}${key}.`)
    }
  }
}

/** Options objects are object literals; class instances (a Dispatcher, a KeyObject) are values. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** The known key nearest to `key` by edit distance, ignoring case (`allowSignup` → `allowSignUp`). */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  const lower = key.toLowerCase()
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** Levenshtein distance, two rows; option names are short. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        substitution,
      )
    }
    previous = current
  }
  return previous[b.length] as number
}
