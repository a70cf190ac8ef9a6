/**
 * Writing kit responses with plain Node APIs (statusCode, setHeader, end), so the same code runs
 * on Express 5, Express 4 and Connect. Every kit response carries helmet's headers and
 * `Cache-Control: no-store`; errors are `application/problem+json` (RFC 9457).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet, { type HelmetOptions } from 'helmet'
import { KitError, isKitError } from '../errors/kit-error.js'
import type { KitLogger, OnEvent } from '../options/events.js'
import { redactedForHandOff } from '../errors/redact-cause.js'
import { optionError } from '../options/option-error.js'

/** Connect's and Express's `next`. */
export type Next = (err?: unknown) => void

/** A Node/Connect/Express middleware. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void

/** Sets the security headers of one response. */
export type SecurityHeaders = (req: IncomingMessage, res: ServerResponse) => void

const NO_OP = (): void => {}

/** Options shared by every factory for how responses and errors are written. */
export interface ResponseOptions {
  /**
   * `'respond'` (default) answers errors itself with problem+json; `'next'` hands the
   * {@link KitError} to `next(err)` for your own error handler (it carries `status`, `headers`,
   * and only a redacted summary of its `cause`: names, status, Instant error type, code).
   */
  onError?: 'respond' | 'next'
  /** helmet options for kit responses, or `false` to leave security headers to you. Default: helmet's defaults. */
  helmet?: false | HelmetOptions
}

/** Validates and builds the response helpers once per factory. */
export function resolveResponseOptions(
  options: ResponseOptions,
  factory: string,
): {
  passErrors: boolean
  securityHeaders: SecurityHeaders
} {
  const { onError = 'respond' } = options
  if (onError !== 'respond' && onError !== 'next') {
    throw optionError(
      factory,
      'onError',
      "be 'respond' (answer with problem+json) or 'next' (call next(err))",
      onError,
    )
  }
  const helmetOption = options.helmet
  if (
    helmetOption !== undefined &&
    helmetOption !== false &&
    (typeof helmetOption !== 'object' || helmetOption === null)
  ) {
    throw optionError(factory, 'helmet', 'be false or a helmet options object', helmetOption)
  }
  let securityHeaders: SecurityHeaders = setNoStore
  if (helmetOption !== false) {
    const helmetMiddleware = helmet(helmetOption ?? {})
    securityHeaders = function setSecurityHeaders(req, res) {
      // helmet's middleware is synchronous: it sets headers and calls next in the same tick.
      helmetMiddleware(req, res, NO_OP)
      res.setHeader('Cache-Control', 'no-store')
    }
  }
  return { passErrors: onError === 'next', securityHeaders }
}

function setNoStore(_req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-store')
}

/** Writes a JSON success response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(payload))
  res.end(payload)
}

/** Writes an empty response (204). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status
  res.removeHeader('Content-Type')
  res.end()
}

/** Writes a KitError as `application/problem+json` with its status and headers. */
export function sendProblem(res: ServerResponse, error: KitError): void {
  if (res.headersSent) {
    // Too late for a status: end the response so the client is not left hanging.
    if (!res.writableEnded) res.end()
    return
  }
  const payload = JSON.stringify(error.toProblem())
  res.statusCode = error.status
  for (const name of Object.keys(error.headers)) res.setHeader(name, error.headers[name] as string)
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(payload))
  res.end(payload)
}

/** Any thrown value as a KitError; unknown errors become `internal_error` (logged by name only). */
export function toKitError(error: unknown, logger: KitLogger, where: string): KitError {
  if (isKitError(error)) return error
  logger.error(
    `instant-express-auth: unexpected ${error instanceof Error ? error.name : typeof error} in ${where}; answering 500 internal_error.`,
  )
  return new KitError('internal_error', { cause: error })
}

export interface Failure {
  passErrors: boolean
  securityHeaders: SecurityHeaders
  logger: KitLogger
  onEvent: OnEvent | undefined
  where: string
}

/** Answers (or forwards) an error; never throws, so every async path ends in a response. */
export function fail(
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
  error: unknown,
  how: Failure,
): void {
  const kitError = toKitError(error, how.logger, how.where)
  try {
    if (!res.headersSent) how.securityHeaders(req, res)
  } catch {
    // Never let header helpers stand between the client and an answer.
  }
  if (how.passErrors) {
    // Leaving the kit: the app's handler and logger print the cause chain, so hand on only a
    // redacted summary of it (an upstream's message can echo the admin token).
    next(redactedForHandOff(kitError))
    return
  }
  sendProblem(res, kitError)
}
