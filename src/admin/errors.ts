/**
 * The admin client's two error classes: {@link InstantAPIError} (Instant answered, but not with
 * 200) and {@link InstantTransportError} (no usable answer at all).
 *
 * Both are branded with `Symbol.for(...)` so {@link isInstantAPIError} and
 * {@link isInstantTransportError} work across duplicate copies of this package, where
 * `instanceof` does not.
 */

import {
  INSTANT_API_ERROR as API_ERROR_BRAND,
  INSTANT_TRANSPORT_ERROR as TRANSPORT_ERROR_BRAND,
} from '../errors/brands.js'
import { inspect } from 'node:util'
import type { InspectOptions } from 'node:util'

/**
 * The parsed body of a non-200 answer. Instant sends `{ type, message, hint, 'trace-id'? }`;
 * a body that is not JSON becomes `{ type: undefined, message: <raw text> }`, as in the SDK.
 */
export type InstantErrorBody =
  | {
      type?: string | undefined
      message?: string | undefined
      hint?: unknown
      traceId?: string | undefined
      'trace-id'?: string | undefined
      [key: string]: unknown
    }
  | undefined

/** What {@link InstantAPIError} is built from: the HTTP status and the parsed body. */
export type InstantIssue = {
  status: number
  body: InstantErrorBody
}

/**
 * Instant answered with a status other than 200.
 *
 * Same fields as `InstantAPIError` in `@instantdb/admin`: `name`, `status`, `body`, `message`
 * (`body.message`, else `API Error (<status>)`), `hint` (`body.hint`) and `traceId`
 * (`body.traceId` or `body['trace-id']`, only set when present).
 *
 * @example
 * ```ts
 * try {
 *   await db.auth.verifyToken(token)
 * } catch (err) {
 *   if (isInstantAPIError(err) && err.body?.type === 'record-not-found') return null
 *   throw err
 * }
 * ```
 */
export class InstantAPIError extends Error {
  /** `hint` from the error body (`undefined` when absent). */
  hint: unknown
  /** `traceId` or `trace-id` from the error body; `undefined` when absent. */
  traceId?: string
  /** HTTP status of Instant's answer (never 200). */
  status: number
  /** The parsed error body, or `{ type: undefined, message: <raw text> }` for a non-JSON body. */
  body: InstantErrorBody

  constructor(issue: InstantIssue) {
    const body = issue.body
    const fields: { [key: string]: unknown } = body !== null && typeof body === 'object' ? body : {}
    super(fields.message ? String(fields.message) : `API Error (${issue.status})`)
    this.hint = fields.hint
    const traceId = fields.traceId || fields['trace-id']
    if (traceId) this.traceId = traceId as string
    this.name = 'InstantAPIError'
    this.status = issue.status
    this.body = body
  }

  /** @internal brand checked by {@link isInstantAPIError}. */
  get [API_ERROR_BRAND](): true {
    return true
  }

  get [Symbol.toStringTag](): string {
    return 'InstantAPIError'
  }

  /**
   * Instant echoes credentials in some error hints (the admin token in `app-admin-token`
   * record-not-found, the refresh token in `app-user`, a malformed bearer in
   * `original-input`). The fields stay as the SDK has them; `JSON.stringify(err)` (structured
   * loggers, error trackers, `res.json(err)`), `console.log(err)` and `util.inspect(err)` show
   * them redacted, so logging the error leaks nothing.
   */
  toJSON(): InstantAPIErrorJSON {
    const json: InstantAPIErrorJSON = {
      name: this.name,
      message: this.message,
      status: this.status,
      hint: redact(this.hint, 0),
      body: redact(this.body, 0),
    }
    if (this.traceId !== undefined) json.traceId = this.traceId
    return json
  }

  [inspect.custom](_depth: number, options: InspectOptions): string {
    const { status, hint, body } = this.toJSON()
    return `${this.stack ?? `${this.name}: ${this.message}`} ${inspect({ status, hint, body }, { ...options, customInspect: false })}`
  }
}

/** What `JSON.stringify` shows of an {@link InstantAPIError}: credentials redacted. */
export type InstantAPIErrorJSON = {
  name: string
  message: string
  status: number
  traceId?: string
  hint: unknown
  body: unknown
}

const SECRET_KEY = /token|authorization|original-input/i
const REDACTED = '[redacted]'

function redact(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth > 10) return value
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1))
  const copy: { [key: string]: unknown } = {}
  for (const [key, item] of Object.entries(value)) {
    copy[key] =
      SECRET_KEY.test(key) && item !== null && item !== undefined
        ? REDACTED
        : redact(item, depth + 1)
  }
  return copy
}

/**
 * Stable codes of {@link InstantTransportError}:
 *
 * - `INSTANT_UNREACHABLE`: connection refused or reset, DNS failure, socket closed;
 * - `INSTANT_TIMEOUT`: connect, headers or body timeout;
 * - `INSTANT_BAD_RESPONSE`: a 200 answer whose body is not JSON (a proxy page, say), or any
 *   answer longer than the client reads (`maxResponseBytes`; 1 MiB for auth calls);
 * - `INSTANT_ABORTED`: the caller's `AbortSignal` fired.
 */
export type InstantTransportErrorCode =
  'INSTANT_UNREACHABLE' | 'INSTANT_TIMEOUT' | 'INSTANT_BAD_RESPONSE' | 'INSTANT_ABORTED'

/**
 * No usable answer from Instant: the request failed in transport, or a 200 answer was not JSON.
 * `code` is stable; the original undici (or `JSON.parse`) error is kept as `cause`.
 * The message names the method and path, never a query string, header or token.
 *
 * @example
 * ```ts
 * try {
 *   await db.auth.verifyToken(token)
 * } catch (err) {
 *   if (isInstantTransportError(err)) return res.status(503).end() // not the user's fault
 *   throw err
 * }
 * ```
 */
export class InstantTransportError extends Error {
  /** One of {@link InstantTransportErrorCode}. */
  readonly code: InstantTransportErrorCode

  constructor(code: InstantTransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'InstantTransportError'
    this.code = code
  }

  /** @internal brand checked by {@link isInstantTransportError}. */
  get [TRANSPORT_ERROR_BRAND](): true {
    return true
  }

  get [Symbol.toStringTag](): string {
    return 'InstantTransportError'
  }
}

/**
 * True for an {@link InstantAPIError} from any copy of this package.
 *
 * @example
 * ```ts
 * if (isInstantAPIError(err) && err.status === 429) retryLater()
 * ```
 */
export function isInstantAPIError(value: unknown): value is InstantAPIError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [API_ERROR_BRAND]?: unknown })[API_ERROR_BRAND] === true
  )
}

/**
 * True for an {@link InstantTransportError} from any copy of this package.
 *
 * @example
 * ```ts
 * if (isInstantTransportError(err) && err.code === 'INSTANT_TIMEOUT') metrics.timeouts++
 * ```
 */
export function isInstantTransportError(value: unknown): value is InstantTransportError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [TRANSPORT_ERROR_BRAND]?: unknown })[TRANSPORT_ERROR_BRAND] === true
  )
}
