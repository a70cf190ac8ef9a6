/**
 * Writing JSON answers: the status, the body, CORS headers where they apply, and Instant's error
 * rendering (§6) — a typed error becomes `{type, message, hint}`, anything else a logged 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from '../../options/logger.js'
import { LocalInstantError } from '../errors.js'
import { CORS_METHODS, corsOrigin } from './cors.js'
import { pathOf } from './request.js'

/** Where Local Instant writes its log lines. Never receives admin or refresh tokens. */
export type LocalInstantLogger = Pick<Logger, 'info' | 'error'>

const JSON_HEADERS = 'application/json; charset=utf-8'
const UNKNOWN_ERROR_BODY = JSON.stringify({
  type: 'unknown',
  message: 'Something went wrong. Sorry about this!',
})

export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  json: string,
): void {
  const origin = corsOrigin(req)
  if (origin === undefined) {
    res.writeHead(status, {
      'content-type': JSON_HEADERS,
      'content-length': Buffer.byteLength(json),
    })
  } else {
    res.writeHead(status, {
      'content-type': JSON_HEADERS,
      'content-length': Buffer.byteLength(json),
      'access-control-allow-origin': origin,
      'access-control-allow-methods': CORS_METHODS,
      vary: 'Origin',
    })
  }
  res.end(json)
}

export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  logger: LocalInstantLogger,
): void {
  if (err instanceof LocalInstantError) {
    sendJson(req, res, err.status, JSON.stringify(err.toBody()))
    return
  }
  logger.error(
    `Local Instant: unexpected error on ${req.method ?? '?'} ${pathOf(req.url)}: ${
      err instanceof Error ? (err.stack ?? err.message) : String(err)
    }`,
  )
  sendJson(req, res, 500, UNKNOWN_ERROR_BODY)
}
