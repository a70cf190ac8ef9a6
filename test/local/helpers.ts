import type { LocalInstantLogger } from 'instant-express-auth/local'

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
export const CREATED_AT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

/** A logger that keeps every line, to assert on (and to check for leaked secrets). */
export function captureLogger(): LocalInstantLogger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (m) => lines.push(m),
    error: (m) => lines.push(m),
  }
}

/** Awaits a rejection and returns it (fails the test when the promise resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}
