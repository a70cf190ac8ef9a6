/**
 * The data engine's errors (permission, validation, input shape) from Instant's
 * `util/exception.clj`, built on the shared error family of `../errors.ts`.
 */
import { LocalInstantError } from '../errors.js'

/** What refused an operation: the action checked and the rule that answered no, if any. */
export interface Denial {
  action: string
  /** The rule's text and where it sits; none when no rule ran (signup with extra fields). */
  rule?: { source: string; path?: readonly string[] | undefined }
}

/**
 * 400 `permission-denied`: `Permission denied: not perms-pass?` (assert-permitted!), whose hint
 * names `[etype, scope]` as Instant's does. Local Instant's hint also names what denied, for
 * development: `etype`, `action`, the `rule`'s text and its `rule-path` in the rules object.
 */
export function permissionDenied(
  etype: string,
  scope = 'object',
  denial?: Denial,
): LocalInstantError {
  const hint: Record<string, unknown> = { input: [etype, scope], expected: 'perms-pass?' }
  if (denial) {
    hint['etype'] = etype
    hint['action'] = denial.action
    if (denial.rule) {
      hint['rule'] = denial.rule.source
      if (denial.rule.path) hint['rule-path'] = [...denial.rule.path]
    }
  }
  return new LocalInstantError(400, 'permission-denied', 'Permission denied: not perms-pass?', hint)
}

/** 400 `permission-evaluation-failed`: a rule threw while it ran (a CEL runtime error). */
export function permissionEvaluationFailed(
  etype: string,
  action: string,
  cause: unknown,
  showCelErrors = false,
): LocalInstantError {
  // Instant shows the CEL message only to admins and in perms checks; others get the typo hint.
  const celMessage = cause instanceof Error ? cause.message.split('\n')[0] : undefined
  const causeMessage = showCelErrors && celMessage ? celMessage : 'You may have a typo'
  const message = `Could not evaluate permission rule for \`${etype}.${action}\`. ${causeMessage}. Debug this in the sandbox and then update your permission rules.`
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : 'EVALUATION_ERROR'
  const err = new LocalInstantError(400, 'permission-evaluation-failed', message, {
    rule: [etype, action],
    error: { type: code, message, hint: causeMessage },
  })
  ;(err as { cause?: unknown }).cause = cause
  return err
}

/**
 * 400 `validation-failed` exactly as `ex/throw-validation-err!` words it: the messages joined
 * after a colon, or the bare prefix when no error carries a message.
 */
export function validationError(
  dataType: string,
  input: unknown,
  errors: readonly Record<string, unknown>[],
): LocalInstantError {
  const messages = errors.map((e) => e['message']).filter((m): m is string => typeof m === 'string')
  const base = `Validation failed for ${dataType}`
  return new LocalInstantError(
    400,
    'validation-failed',
    messages.length > 0 ? `${base}: ${messages.join(', ')}` : base,
    { 'data-type': dataType, input, errors: errors.map((e) => ({ ...e })) },
  )
}

/** How deep a query or the steps of a transaction may nest; Instant's shapes need far less. */
const MAX_INPUT_DEPTH = 64

/**
 * Checks request JSON before it is walked recursively: nesting no deeper than
 * {@link MAX_INPUT_DEPTH} (a deeper one would overflow the stack and answer 500), and no
 * `__proto__` key (assigning one would swap an object's prototype and lose the value).
 * Iterative, so it cannot overflow itself.
 */
export function assertSafeInput(dataType: string, input: unknown): void {
  const stack: [unknown, number][] = [[input, 0]]
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number]
    if (typeof value !== 'object' || value === null) continue
    if (depth > MAX_INPUT_DEPTH) {
      throw validationError(dataType, null, [
        { message: `Nested deeper than ${MAX_INPUT_DEPTH} levels.` },
      ])
    }
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1])
      continue
    }
    if (Object.hasOwn(value, '__proto__')) {
      throw validationError(dataType, null, [{ message: '"__proto__" is not a valid name.' }])
    }
    for (const item of Object.values(value)) stack.push([item, depth + 1])
  }
}
