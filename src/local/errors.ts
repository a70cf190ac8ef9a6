/**
 * Instant's error model (server `util/exception.clj` + `util/http.clj`), shared by every Local
 * Instant route: a typed error carries the HTTP status, Instant's kebab-case `type`, a message
 * and a hint, and the server renders it as `{type, message, hint}`.
 */

/** The `type` strings Instant's server answers with. */
type InstantErrorType =
  | 'param-missing'
  | 'param-malformed'
  | 'validation-failed'
  | 'record-not-found'
  | 'record-expired'
  | 'record-not-unique'
  | 'permission-denied'
  | 'permission-evaluation-failed'
  | 'rate-limited'
  | 'payload-too-large'
  | 'timeout'
  | 'unknown'

type ErrorHint = Record<string, unknown>

/** A typed Local Instant error; thrown anywhere inside a handler, rendered by the server. */
export class LocalInstantError extends Error {
  override readonly name = 'LocalInstantError'
  readonly status: number
  readonly type: InstantErrorType
  readonly hint: ErrorHint | undefined

  constructor(status: number, type: InstantErrorType, message: string, hint?: ErrorHint) {
    super(message)
    this.status = status
    this.type = type
    this.hint = hint
  }

  /** The JSON body Instant sends for this error. */
  toBody(): { type: InstantErrorType; message: string; hint?: ErrorHint } {
    return this.hint === undefined
      ? { type: this.type, message: this.message }
      : { type: this.type, message: this.message, hint: this.hint }
  }
}

/** Clojure-style vector rendering used in Instant messages: `["headers" "authorization"]`. */
function clojureVector(path: readonly string[]): string {
  return `[${path.map((p) => JSON.stringify(p)).join(' ')}]`
}

/** 400 `param-missing`, e.g. `Missing parameter: ["body" "email"]`. */
export function paramMissing(path: readonly string[], extraHint?: ErrorHint): LocalInstantError {
  return new LocalInstantError(400, 'param-missing', `Missing parameter: ${clojureVector(path)}`, {
    in: [...path],
    ...extraHint,
  })
}

/** 400 `param-malformed`, echoing the original input in the hint as Instant does. */
export function paramMalformed(
  path: readonly string[],
  originalInput: unknown,
  extraHint?: ErrorHint,
): LocalInstantError {
  return new LocalInstantError(
    400,
    'param-malformed',
    `Malformed parameter: ${clojureVector(path)}`,
    { in: [...path], 'original-input': originalInput, ...extraHint },
  )
}

/** 400 `record-not-found`, e.g. `Record not found: app-user`. */
export function recordNotFound(
  recordType: string,
  args: readonly Record<string, unknown>[],
  extraHint?: ErrorHint,
): LocalInstantError {
  return new LocalInstantError(400, 'record-not-found', `Record not found: ${recordType}`, {
    'record-type': recordType,
    args: [...args],
    ...extraHint,
  })
}

/** 400 `record-expired`, e.g. `Record expired: app-user-magic-code`. */
export function recordExpired(
  recordType: string,
  args: readonly Record<string, unknown>[],
): LocalInstantError {
  return new LocalInstantError(400, 'record-expired', `Record expired: ${recordType}`, {
    'record-type': recordType,
    args: [...args],
  })
}

/** 400 `validation-failed`: `Validation failed for <input-type>: <joined messages>`. */
export function validationFailed(
  dataType: string,
  input: unknown,
  errors: readonly { message: string; hint?: ErrorHint; expected?: string; in?: unknown[] }[],
): LocalInstantError {
  return new LocalInstantError(
    400,
    'validation-failed',
    `Validation failed for ${dataType}: ${errors.map((e) => e.message).join(', ')}`,
    { 'data-type': dataType, input, errors: errors.map((e) => ({ ...e })) },
  )
}
