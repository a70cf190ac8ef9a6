// @ts-check
// The few figures every section computes the same way.

/** @param {number[]} xs */
export function median(xs) {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? /** @type {number} */ (s[mid]) : (Number(s[mid - 1]) + Number(s[mid])) / 2
}

/** @param {number} x @param {number} digits */
export const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a')
