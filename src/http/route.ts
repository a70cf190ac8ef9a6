/**
 * The shell every kit router shares: answer POST on its own paths, with the security headers
 * set first and every failure ending in a response (or `next(err)`); any other request goes on
 * to `next` untouched, so the routers never answer a 404 of their own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fail, type Failure, type Middleware, type Next } from './respond.js'

/** One route's work; rejects with the error to answer. */
type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

/** Builds the named middleware serving `POST <path>` for each `[path, handler]`. */
export function postRoutes(
  name: string,
  routes: ReadonlyArray<readonly [path: string, handler: RouteHandler]>,
  failure: Failure,
): Middleware {
  const { securityHeaders } = failure
  const router = function kitRouter(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (req.method === 'POST') {
      for (const [path, handler] of routes) {
        if (!matchesPath(req.url, path)) continue
        securityHeaders(req, res)
        handler(req, res).catch((error: unknown) => fail(req, res, next, error, failure))
        return
      }
    }
    next()
  }
  Object.defineProperty(router, 'name', { value: name })
  return router
}

/** True when `url` (as mounted: Express and Connect strip the mount prefix) is `path`. */
function matchesPath(url: string | undefined, path: string): boolean {
  if (url === undefined) return false
  const query = url.indexOf('?')
  const pathname = query === -1 ? url : url.slice(0, query)
  if (pathname === path) return true
  // Express's default (non-strict) routing also accepts one trailing slash.
  return pathname.length === path.length + 1 && pathname.endsWith('/') && pathname.startsWith(path)
}
