/**
 * The HTTP face of Local Instant: a plain `node:http` request listener that answers Instant's
 * admin and runtime-auth routes (contract §3) with Instant's error model (§6). This file only
 * composes the pieces in `http/`: the route families, credentials, body reading, CORS, sending.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Auth } from './auth/index.js'
import type { DataEngine } from './data/index.js'
import { adminAuthRoutes } from './http/admin-auth-routes.js'
import { readJsonBody } from './http/body.js'
import { preflight } from './http/cors.js'
import { createCredentials } from './http/credentials.js'
import { dataRoutes } from './http/data-routes.js'
import { permsCheckRoutes } from './http/perms-check-routes.js'
import {
  PreEncoded,
  pathOf,
  queryOf,
  type Body,
  type Handler,
  type Request,
} from './http/request.js'
import { runtimeRoutes, type RuntimeRouteLimits } from './http/runtime-routes.js'
import { sendError, sendJson, type LocalInstantLogger } from './http/send.js'

export type { LocalInstantLogger } from './http/send.js'

interface ServerContext extends RuntimeRouteLimits {
  auth: Auth
  engine: DataEngine
  adminToken: string
  maxBodyBytes: number
  logger: LocalInstantLogger
}

const NOT_FOUND_BODY = JSON.stringify({ message: "Oops! We couldn't match this route." })

/** Builds the `(req, res)` listener for `http.createServer`; the route table is built once. */
export function createRequestListener(
  ctx: ServerContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { auth, engine, logger } = ctx
  const credentials = createCredentials(auth, ctx.adminToken)
  const routes = new Map<string, Handler>([
    ...runtimeRoutes(auth, credentials, ctx),
    ...adminAuthRoutes(auth, credentials),
    ...dataRoutes(auth, engine, credentials),
    ...permsCheckRoutes(auth, engine, credentials),
  ])

  function run(handler: Handler, req: IncomingMessage, res: ServerResponse, body: Body): void {
    let query: URLSearchParams | undefined
    const url = req.url ?? '/'
    const r: Request = {
      req,
      body,
      query: () => (query ??= new URLSearchParams(queryOf(url))),
    }
    let result: unknown
    try {
      result = handler(r)
    } catch (err) {
      sendError(req, res, err, logger)
      return
    }
    sendJson(req, res, 200, result instanceof PreEncoded ? result.json : JSON.stringify(result))
  }

  return function localInstantListener(req, res) {
    const method = req.method ?? 'GET'
    if (method === 'OPTIONS') {
      req.resume()
      preflight(req, res)
      return
    }
    const handler = routes.get(`${method} ${pathOf(req.url)}`)
    if (handler === undefined) {
      req.resume()
      sendJson(req, res, 404, NOT_FOUND_BODY)
      return
    }
    readJsonBody(req, res, ctx.maxBodyBytes, (body) => run(handler, req, res, body))
  }
}
