/**
 * `instantErrorHandler()`: an Express/Connect error middleware that answers problem+json for
 * what `req.instant.db` throws and for kit errors handed on with `onError: 'next'`, so a rule's
 * refusal is a 403 and an outage a 503 with `Retry-After`, never an HTML page with a stack.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HelmetOptions } from 'helmet'
import { classifyDataError } from './instant/classify-data-error.js'
import { instantReason } from './instant/instant-reason.js'
import { optionError } from './options/option-error.js'
import { KitError } from './errors/kit-error.js'
import { checkOptionKeys, type OptionKeys } from './options/keys.js'
import { resolveLogger, type KitLogger } from './options/events.js'
import { warnUpstream } from './instant/upstream-warning.js'
import { assertOptionsObject } from './http/common-options.js'
import { resolveResponseOptions, sendProblem, type Next } from './http/respond.js'

/** Options of {@link instantErrorHandler}. */
export interface InstantErrorHandlerOptions {
  /** Where misconfiguration, outage and unknown-error lines go. Default `console`. */
  logger?: KitLogger
  /** helmet options for error responses, or `false` to leave security headers to you. */
  helmet?: false | HelmetOptions
  /**
   * Say why Instant refused a query or transaction: its reason (the attribute and its expected
   * type; the namespace, action and rule that denied) is appended to the problem's `detail` of
   * a 400 `invalid_query` or 403 `permission_denied`, and logged in one warning line. Default:
   * on unless `NODE_ENV` is `production` (read when the handler is made); `false` or `true`
   * forces it. Production answers should not name your attributes and rules.
   */
  reasons?: boolean
}

/** An Express/Connect error middleware (four arguments). */
export type ErrorMiddleware = (
  err: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
) => void

/** Every key {@link instantErrorHandler} accepts; anything else throws. */
const ERROR_HANDLER_OPTIONS = {
  logger: true,
  helmet: true,
  reasons: true,
} as const satisfies OptionKeys<InstantErrorHandlerOptions>

/** The refusals whose reason `reasons` passes on. */
const EXPLAINED: ReadonlySet<string> = new Set(['invalid_query', 'permission_denied'])

/**
 * Answers `application/problem+json` for errors thrown by `req.instant.db` and for `KitError`s:
 *
 * | thrown | answer |
 * |---|---|
 * | a permission rule refused the read or write | 403 `permission_denied` |
 * | Instant refused the query or transaction as malformed | 400 `invalid_query` |
 * | Instant unreachable, timing out, 5xx or garbage | 503 `auth_unavailable`, `Retry-After: 5` |
 * | Instant rate-limited the app | 429 `rate_limited`, `Retry-After` |
 * | wrong app id or admin token, or any 401/403 (rules refuse with 400) | 500 `instant_misconfigured` (and a fix-it log line) |
 * | a `KitError` (e.g. from `onError: 'next'`) | its own status, code and headers |
 * | body-parser's 400 (e.g. `express.json()` given malformed JSON) | 400 `invalid_request` |
 * | any other error with a 4xx `status` (body-parser's 413, http-errors) | passed on with `next(err)` |
 * | anything else | 500 `internal_error`, no stack in the response (the stack goes to the log) |
 *
 * Mount it after your routes. On Express 4, async handlers must pass rejections to `next`.
 *
 * @example
 * ```ts
 * app.get('/todos', requireInstantUser({ db }), async (req, res) =>
 *   res.json(await req.instant.db.query({ todos: {} })))
 * app.use(instantErrorHandler())
 * ```
 */
export function instantErrorHandler(options: InstantErrorHandlerOptions = {}): ErrorMiddleware {
  assertOptionsObject(options, 'instantErrorHandler')
  checkOptionKeys(options, ERROR_HANDLER_OPTIONS, 'instantErrorHandler')
  const {
    logger: loggerOption,
    helmet,
    reasons = process.env['NODE_ENV'] !== 'production',
  } = options as InstantErrorHandlerOptions
  const logger = resolveLogger(loggerOption, 'instantErrorHandler')
  if (typeof reasons !== 'boolean') {
    throw optionError(
      'instantErrorHandler',
      'reasons',
      "be a boolean (default: on unless NODE_ENV is 'production')",
      reasons,
    )
  }
  const { securityHeaders } = resolveResponseOptions(
    helmet === undefined ? {} : { helmet },
    'instantErrorHandler',
  )

  return function instantErrorHandler(err, req, res, next) {
    // Too late for a status: Express's own handler closes the connection (its documented rule).
    if (res.headersSent) {
      next(err)
      return
    }
    let kitError: KitError
    // Checked first: body-parser's error carries the raw `body`, which must not be mistaken for
    // an answer from Instant.
    const bodyParserError = isBodyParser400(err)
    const classified = bodyParserError ? undefined : classifyDataError(err)
    if (bodyParserError) {
      // express.json() mounted before the kit's routers rejects malformed JSON before they run:
      // answer it as they would, not with Express's HTML page.
      kitError = new KitError('invalid_request', { cause: err })
    } else if (classified !== undefined) {
      kitError = classified.error
      const reason = reasons && EXPLAINED.has(kitError.code) ? instantReason(err) : undefined
      if (reason !== undefined) {
        logger.warn(
          `instant-express-auth: ${req.method ?? 'GET'} ${pathOf(req)}: ${kitError.code}: ${reason}`,
        )
        kitError = new KitError(kitError.code, {
          cause: err,
          detail: `${kitError.message} Instant said: ${reason}`,
        })
      }
      if (classified.outage !== undefined && classified.log === undefined) {
        warnUpstream(logger, undefined, logger, 'a query or transaction', classified.outage)
      } else if (classified.log !== undefined) {
        if (kitError.code === 'instant_misconfigured') logger.error(classified.log)
        else logger.warn(classified.log)
      }
    } else if (isClientError(err)) {
      // Another middleware's client error (body-parser's 400/413, http-errors): not ours to reword.
      next(err)
      return
    } else {
      logger.error(
        `instant-express-auth: ${req.method ?? 'GET'} ${pathOf(req)} threw; answering 500 internal_error.\n${
          err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : typeof err
        }`,
      )
      kitError = new KitError('internal_error', { cause: err })
    }
    try {
      securityHeaders(req, res)
    } catch {
      // Never let header helpers stand between the client and an answer.
    }
    sendProblem(res, kitError)
  }
}

/**
 * body-parser's own 400s (unparsable body, unsupported charset or encoding, too many
 * parameters) carry a `type` such as `entity.parse.failed`; other 4xx keep their own answer.
 */
function isBodyParser400(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const { status, type } = err as { status?: unknown; type?: unknown }
  return (
    status === 400 &&
    typeof type === 'string' &&
    /^(entity|charset|encoding|parameters|request)\./.test(type)
  )
}

function isClientError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown }
  const value = typeof status === 'number' ? status : statusCode
  return typeof value === 'number' && value >= 400 && value < 500
}

/** The request path without its query string (which may carry an email or a token). */
function pathOf(req: IncomingMessage): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/'
  const queryAt = url.indexOf('?')
  return queryAt === -1 ? url : url.slice(0, queryAt)
}
