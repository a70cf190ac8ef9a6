/**
 * `$like` / `$ilike` without a backtracking regex. Instant hands these to Postgres `LIKE` /
 * `ILIKE`: `%` is any run of characters, `_` exactly one, and a backslash makes the next
 * character literal. A regex built from the pattern backtracks exponentially on inputs like
 * `%a%a%a…b` against `aaaa…`; this matcher splits the pattern at `%` and places each piece at its
 * leftmost fit, which is correct for wildcard patterns and never revisits an earlier piece, so a
 * match costs at most (value length × pattern length) steps.
 */

/** One `%`-free piece of a pattern: code points, `undefined` standing for `_`. */
type Piece = (string | undefined)[]

/** A compiled pattern; `test` answers whether a whole value matches. */
export interface LikePattern {
  test(value: string): boolean
}

/** Compiles a LIKE pattern (`caseInsensitive` for `$ilike`). */
export function compileLike(pattern: string, caseInsensitive: boolean): LikePattern {
  const fold = caseInsensitive ? (s: string) => s.toLowerCase() : (s: string) => s
  const pieces: Piece[] = [[]]
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string
    const current = pieces[pieces.length - 1] as Piece
    if (ch === '\\' && i + 1 < chars.length) {
      current.push(fold(chars[++i] as string))
    } else if (ch === '%') {
      pieces.push([])
    } else if (ch === '_') {
      current.push(undefined)
    } else {
      current.push(fold(ch))
    }
  }
  // pieces.length === 1 means no `%`: the value must match the single piece exactly.
  const first = pieces[0] as Piece
  const last = pieces[pieces.length - 1] as Piece
  const middle = pieces.slice(1, -1).filter((p) => p.length > 0)
  const fixedLength = pieces.reduce((n, p) => n + p.length, 0)
  return {
    test(value) {
      const v = Array.from(fold(value))
      if (pieces.length === 1) return v.length === first.length && fitsAt(first, v, 0)
      if (v.length < fixedLength) return false
      if (!fitsAt(first, v, 0)) return false
      const end = v.length - last.length
      if (!fitsAt(last, v, end)) return false
      let pos = first.length
      for (const piece of middle) {
        const at = leftmostFit(piece, v, pos, end)
        if (at === -1) return false
        pos = at + piece.length
      }
      return true
    },
  }
}

function fitsAt(piece: Piece, v: string[], at: number): boolean {
  for (let j = 0; j < piece.length; j++) {
    const want = piece[j]
    if (want !== undefined && v[at + j] !== want) return false
  }
  return true
}

/** First index in [from, end - piece.length] where `piece` fits, or -1. */
function leftmostFit(piece: Piece, v: string[], from: number, end: number): number {
  for (let at = from; at + piece.length <= end; at++) if (fitsAt(piece, v, at)) return at
  return -1
}
