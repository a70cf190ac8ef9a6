/**
 * CORS for Local Instant: answered on runtime routes only, which browsers call (the SDK). Admin
 * routes carry the admin token and are for servers; a page in a browser has no business there.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { pathOf } from './request.js'

export const CORS_METHODS = 'GET, PUT, POST, DELETE'
/** How long a browser may cache a preflight answer, in seconds. */
const CORS_MAX_AGE_SECONDS = '600'

/** The origin to answer CORS for, or undefined (no CORS headers). */
export function corsOrigin(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin
  return origin !== undefined && pathOf(req.url).startsWith('/runtime/') ? origin : undefined
}

/** Answers an `OPTIONS` preflight. */
export function preflight(req: IncomingMessage, res: ServerResponse): void {
  const origin = corsOrigin(req)
  const headers: Record<string, string> = {
    'content-length': '0',
    vary: 'Origin, Access-Control-Request-Headers',
  }
  if (origin !== undefined) {
    headers['access-control-allow-origin'] = origin
    headers['access-control-allow-methods'] = CORS_METHODS
    headers['access-control-max-age'] = CORS_MAX_AGE_SECONDS
    headers['cache-control'] = `public, max-age=${CORS_MAX_AGE_SECONDS}`
    const requested = req.headers['access-control-request-headers']
    if (requested !== undefined) headers['access-control-allow-headers'] = requested
  }
  res.writeHead(200, headers)
  res.end()
}
