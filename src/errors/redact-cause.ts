/**
 * Errors the kit hands to `next(err)` leave the kit: Express's default handler, the app's error
 * handler and its logger print them, `cause` chain included. An upstream's raw message can carry
 * anything the upstream saw (a proxy that echoes request headers puts the admin token in it), so
 * a handed-on error carries a redacted summary of its cause instead: the error's name, HTTP
 * status, Instant error type and error code, and the stack frames; never a message, body or hint.
 */
import { KitError } from './kit-error.js'

/** How deep a cause chain is summarised; deeper causes are dropped. */
const MAX_CAUSE_DEPTH = 3
/** Names and codes are copied only when they look like identifiers, never free text. */
const IDENTIFIER = /^[A-Za-z0-9_.:-]{1,64}$/

/** A summary of an error that left the kit: identifiers only. */
export class RedactedCause extends Error {
  override readonly name: string
  readonly status?: number
  readonly type?: string
  readonly code?: string

  constructor(
    fields: { name: string; status?: number; type?: string; code?: string },
    cause?: Error,
  ) {
    super(describe(fields), cause === undefined ? undefined : { cause })
    this.name = fields.name
    if (fields.status !== undefined) this.status = fields.status
    if (fields.type !== undefined) this.type = fields.type
    if (fields.code !== undefined) this.code = fields.code
  }
}

function describe(fields: { status?: number; type?: string; code?: string }): string {
  const parts: string[] = []
  if (fields.status !== undefined) parts.push(`status ${fields.status}`)
  if (fields.type !== undefined) parts.push(`type ${fields.type}`)
  if (fields.code !== undefined) parts.push(`code ${fields.code}`)
  return `redacted (${parts.length === 0 ? 'no details' : parts.join(', ')})`
}

function identifier(value: unknown): string | undefined {
  return typeof value === 'string' && IDENTIFIER.test(value) ? value : undefined
}

/** A redacted summary of `error` (and of its causes), or `undefined` for no cause. */
export function redactCause(error: unknown, depth = 0): RedactedCause | undefined {
  if (error === undefined || error === null || depth >= MAX_CAUSE_DEPTH) return undefined
  const source = (typeof error === 'object' ? error : {}) as {
    name?: unknown
    status?: unknown
    code?: unknown
    body?: unknown
    cause?: unknown
    stack?: unknown
  }
  const body = source.body
  const fields = {
    name: identifier(source.name) ?? (typeof error === 'object' ? 'Error' : typeof error),
    status:
      typeof source.status === 'number' && Number.isInteger(source.status)
        ? source.status
        : undefined,
    type:
      typeof body === 'object' && body !== null
        ? identifier((body as { type?: unknown }).type)
        : undefined,
    code: identifier(source.code),
  }
  const summary = new RedactedCause(
    Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as {
      name: string
    },
    redactCause(source.cause, depth + 1),
  )
  // Keep where it came from (frames name files and functions, never data), not what it said.
  if (typeof source.stack === 'string') {
    const frames = source.stack.split('\n').filter((line) => /^\s+at /.test(line))
    summary.stack = [`${summary.name}: ${summary.message}`, ...frames].join('\n')
  }
  return summary
}

/**
 * The error to hand to `next(err)`: the same code, status, headers and public detail, with a
 * redacted cause. A KitError without a cause is handed on as it is.
 */
export function redactedForHandOff(error: KitError): KitError {
  if (error.cause === undefined) return error
  const copy = new KitError(error.code, {
    detail: error.message,
    headers: error.headers,
    cause: redactCause(error.cause),
  })
  if (typeof error.stack === 'string') copy.stack = error.stack
  return copy
}
