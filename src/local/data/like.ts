/**
 * `$like` / `$ilike` without a backtracking regex. Instant hands these to Postgres `LIKE` /
 * `ILIKE`: `%` is any run of characters, `_` exactly one, and a backslash makes the next
 * character literal. A regex built from the pattern backtracks exponentially on inputs like
 * `%a%a%a…b` against `aaaa…`; this matcher splits the pattern at `%` and places each piece at its
 * leftmost fit, which is correct for wildcard patterns and never revisits an earlier piece, so a
 * match costs at most (value length × pattern length) steps.
 */

/** One `%`-free piece of a pattern: code points, `undefined` standing for `_`. */
interface Piece {
  chars: (string | undefined)[]
  /** The piece as text when it has no `_`: then native string search finds it. */
  text: string | undefined
}

/** A compiled pattern; `test` answers whether a whole value matches. */
export interface LikePattern {
  test(value: string): boolean
}

/** Surrogates: a value without any is indexed by code unit, which is then one code point. */
const SURROGATE = /[\uD800-\uDFFF]/

/** Compiles a LIKE pattern (`caseInsensitive` for `$ilike`). */
export function compileLike(pattern: string, caseInsensitive: boolean): LikePattern {
  const fold = caseInsensitive ? (s: string) => s.toLowerCase() : (s: string) => s
  const parts: (string | undefined)[][] = [[]]
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string
    const current = parts[parts.length - 1] as (string | undefined)[]
    if (ch === '\\' && i + 1 < chars.length) {
      current.push(fold(chars[++i] as string))
    } else if (ch === '%') {
      parts.push([])
    } else if (ch === '_') {
      current.push(undefined)
    } else {
      current.push(fold(ch))
    }
  }
  const pieces: Piece[] = parts.map((p) => ({
    chars: p,
    text: p.includes(undefined) ? undefined : p.join(''),
  }))
  // pieces.length === 1 means no `%`: the value must match the single piece exactly.
  const first = pieces[0] as Piece
  const last = pieces[pieces.length - 1] as Piece
  const middle = pieces.slice(1, -1).filter((p) => p.chars.length > 0)
  const fixedLength = pieces.reduce((n, p) => n + p.chars.length, 0)
  const hasAstral = pieces.some((p) => p.chars.some((c) => c !== undefined && c.length > 1))

  function matchAll(v: string | string[]): boolean {
    if (pieces.length === 1) return v.length === first.chars.length && fitsAt(first, v, 0)
    if (v.length < fixedLength) return false
    if (!fitsAt(first, v, 0)) return false
    const end = v.length - last.chars.length
    if (!fitsAt(last, v, end)) return false
    let pos = first.chars.length
    for (const piece of middle) {
      const at = leftmostFit(piece, v, pos, end)
      if (at === -1) return false
      pos = at + piece.chars.length
    }
    return true
  }

  return {
    test(value) {
      const v = fold(value)
      if (SURROGATE.test(v)) return matchAll(Array.from(v))
      // Every literal must occur in the value, and an astral one cannot occur in this one.
      if (hasAstral) return false
      return matchAll(v)
    },
  }
}

function fitsAt(piece: Piece, v: string | string[], at: number): boolean {
  if (piece.text !== undefined && typeof v === 'string') return v.startsWith(piece.text, at)
  const chars = piece.chars
  for (let j = 0; j < chars.length; j++) {
    const want = chars[j]
    if (want !== undefined && v[at + j] !== want) return false
  }
  return true
}

/** First index in [from, end - piece length] where `piece` fits, or -1. */
function leftmostFit(piece: Piece, v: string | string[], from: number, end: number): number {
  const length = piece.chars.length
  if (piece.text !== undefined && typeof v === 'string') {
    const at = v.indexOf(piece.text, from)
    return at !== -1 && at + length <= end ? at : -1
  }
  for (let at = from; at + length <= end; at++) if (fitsAt(piece, v, at)) return at
  return -1
}
