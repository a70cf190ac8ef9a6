/** True for a plain JSON object (not `null`, not an array): the shape of maps in Instant's JSON. */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}
