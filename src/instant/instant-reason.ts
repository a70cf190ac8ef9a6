/**
 * Why Instant refused a query or transaction, in words a developer can act on: Instant's own
 * `message` (`Validation failed for tx-step: Invalid value type for todos.title…`), with the
 * namespace, action and rule its hint names for a permission refusal. Only for development
 * answers and log lines (the error handler's `reasons`): it names attributes and rules, which a
 * production answer should not show. Never anything from a refusal about a token or user.
 */
import { apiErrorShape } from './classify-error.js'

/** Longest reason passed on; Instant's messages are one sentence, a hint may be long. */
const MAX_REASON_LENGTH = 500

/** The reason of a refused query or transaction, or `undefined` when Instant gave none. */
export function instantReason(error: unknown): string | undefined {
  const api = apiErrorShape(error)
  if (api === undefined || api.recordType === 'app-user') return undefined
  const { body } = error as { body?: unknown }
  if (typeof body !== 'object' || body === null) return undefined
  const { message, hint } = body as { message?: unknown; hint?: unknown }
  if (typeof message !== 'string' || message.trim() === '') return undefined
  let reason = message.trim()
  if (typeof hint === 'object' && hint !== null) {
    const h = hint as Record<string, unknown>
    const where = [h['namespace'] ?? h['etype'], h['action']].filter(
      (part): part is string => typeof part === 'string' && part !== '',
    )
    if (where.length > 0 && !reason.includes(where.join('.'))) reason += ` (${where.join('.')})`
    const rule = h['rule'] ?? h['expression']
    if (typeof rule === 'string' && rule !== '' && !reason.includes(rule)) {
      reason += `; rule: ${rule}`
    }
  }
  // One line: a reason goes into a log line and a JSON string.
  reason = Array.from(reason, (char) => (isControl(char) ? ' ' : char)).join('')
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason
}

function isControl(char: string): boolean {
  const code = char.charCodeAt(0)
  return code < 0x20 || code === 0x7f
}
