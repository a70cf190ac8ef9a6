/**
 * The HTTP face of Local Instant: a plain `node:http` request listener that answers Instant's
 * admin and runtime-auth routes (contract §3) with Instant's error model (§6).
 * Everything (route table, statements) is built once in `createRequestListener`.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Auth } from './auth.js'
import type { Caller, DataEngine } from './data/index.js'
import {
  LocalInstantError,
  paramMalformed,
  paramMissing,
  recordNotFound,
  validationFailed,
} from './errors.js'
import { coerceEmail, coerceTrimmed, coerceUuid, getOptionalParam, getParam } from './params.js'
import type { Logger } from '../core/logger.js'

/** Where Local Instant writes its log lines. Never receives admin or refresh tokens. */
export type LocalInstantLogger = Pick<Logger, 'info' | 'error'>

export interface ServerContext {
  auth: Auth
  engine: DataEngine
  adminToken: string
  maxBodyBytes: number
  logger: LocalInstantLogger
}

type Body = Record<string, unknown>

interface Request {
  req: IncomingMessage
  body: Body
  /** Parsed lazily: most routes never read the query string. */
  query(): URLSearchParams
}

type Handler = (r: Request) => unknown

const JSON_HEADERS = 'application/json; charset=utf-8'
const NOT_FOUND_BODY = JSON.stringify({ message: "Oops! We couldn't match this route." })
const UNKNOWN_ERROR_BODY = JSON.stringify({
  type: 'unknown',
  message: 'Something went wrong. Sorry about this!',
})
const CORS_METHODS = 'GET, PUT, POST, DELETE'
const CORS_MAX_AGE = '600'
const EMPTY_BODY: Body = Object.freeze({}) as Body
const APP_ID_HEADER = ['headers', 'app-id'] as const
const APP_ID_QUERY = ['query-params', 'app_id'] as const

/** Builds the `(req, res)` listener for `http.createServer`. */
export function createRequestListener(
  ctx: ServerContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { auth, logger } = ctx
  const appId = auth.appId
  const adminToken = ctx.adminToken

  // ---------- app id and credentials (contract §2, §6)

  function untrustedAppId(r: Request): string {
    const header = r.req.headers['app-id']
    if (header !== undefined) {
      const id = coerceUuid(header)
      if (id === undefined) {
        throw paramMalformed(APP_ID_HEADER, header, {
          'possible-ins': [APP_ID_HEADER, APP_ID_QUERY],
        })
      }
      return id
    }
    const param = r.query().get('app_id')
    if (param === null) throw paramMissing(APP_ID_HEADER, { 'possible-ins': [APP_ID_QUERY] })
    const id = coerceUuid(param)
    if (id === undefined) {
      throw paramMalformed(APP_ID_QUERY, param, { 'possible-ins': [APP_ID_HEADER, APP_ID_QUERY] })
    }
    return id
  }

  /** `req->app-id-authed!`: the app id plus a valid admin token for it. */
  function authedAppId(r: Request): string {
    const id = untrustedAppId(r)
    const header = r.req.headers.authorization
    if (header === undefined) throw paramMissing(['headers', 'authorization'])
    const parts = header.split('Bearer ')
    const token = coerceUuid((parts[parts.length - 1] as string).trim())
    if (token === undefined) throw paramMalformed(['headers', 'authorization'], header)
    if (id !== appId || !sameToken(token, adminToken)) {
      throw recordNotFound('app-admin-token', [{ 'app-id': id, token }], {
        message:
          'This admin token may be expired or invalid. Or you may have provided an incorrect app ID.',
      })
    }
    return id
  }

  /** Runtime routes trust the app id in the body; a foreign one has no users, codes or tokens. */
  function bodyAppId(r: Request, key: 'app-id' | 'app_id'): string {
    return getParam(r.body, ['body', key], coerceUuid)
  }

  function assertKnownApp(id: string): void {
    if (id !== appId) throw recordNotFound('app', [{ id }])
  }

  /** `get-perms!`: as-token > as-email > as-guest > admin. */
  function resolveCaller(r: Request): Caller {
    const headers = r.req.headers
    const asToken = headers['as-token']
    if (typeof asToken === 'string') {
      const id = untrustedAppId(r)
      const token = coerceUuid(asToken)
      if (token === undefined) throw paramMalformed(['asUser', 'token'], asToken)
      const user = id === appId ? auth.userByRefreshToken(token) : undefined
      if (user === undefined) {
        throw recordNotFound('app-user', [{ 'app-id': id, 'refresh-token': token }])
      }
      return { kind: 'user', user }
    }
    const asEmail = headers['as-email']
    if (typeof asEmail === 'string') {
      const id = authedAppId(r)
      const user = auth.userByEmail(asEmail)
      if (user === undefined) throw recordNotFound('app-user', [{ 'app-id': id, email: asEmail }])
      return { kind: 'user', user }
    }
    if (typeof headers['as-guest'] === 'string' && headers['as-guest'] !== '') {
      assertKnownApp(untrustedAppId(r))
      return { kind: 'guest' }
    }
    authedAppId(r)
    return { kind: 'admin' }
  }

  /** `req->app-user!` for GET/DELETE /admin/users: email, then refresh_token, then id. */
  function userFromQuery(r: Request) {
    authedAppId(r)
    const q = r.query()
    const params: Body = {}
    for (const [k, v] of q) if (!(k in params)) params[k] = v
    if (params['email'] !== undefined) {
      return auth.userByEmail(getParam(params, ['params', 'email'], coerceEmail)) ?? null
    }
    if (params['refresh_token'] !== undefined) {
      const token = getParam(params, ['params', 'refresh_token'], coerceUuid)
      return auth.userByRefreshToken(token) ?? null
    }
    if (params['id'] !== undefined) {
      return auth.userById(getParam(params, ['params', 'id'], coerceUuid)) ?? null
    }
    throw validationFailed('params', params, [
      { message: 'Please provide a user id, email, or refresh_token' },
    ])
  }

  /** Both `verify_magic_code` routes, reading parameters in Instant's order. */
  function verifyMagicCode(r: Request, admin: boolean) {
    const email = getParam(r.body, ['body', 'email'], coerceEmail)
    const code = getParam(r.body, ['body', 'code'], coerceTrimmed)
    // The admin route has already checked the app id with the admin token.
    const id = admin ? appId : bodyAppId(r, 'app-id')
    const guestToken = getOptionalParam(r.body, ['body', 'refresh-token'], coerceUuid)
    if (id !== appId) {
      if (guestToken !== undefined) {
        throw recordNotFound('app-user', [{ 'app-id': id, 'refresh-token': guestToken }])
      }
      throw recordNotFound('app-user-magic-code', [{ 'app-id': id, code, email }])
    }
    return auth.verifyMagicCode({
      email,
      code,
      guestRefreshToken: guestToken,
      extraFields: r.body['extra-fields'],
      admin,
    })
  }

  // ---------- routes

  const routes = new Map<string, Handler>([
    // runtime (browser clients, no admin token)
    [
      'POST /runtime/auth/verify_refresh_token',
      (r) => {
        const token = getParam(r.body, ['body', 'refresh-token'], coerceUuid)
        const id = bodyAppId(r, 'app-id')
        const json = id === appId ? auth.verifyResponseJson(token) : undefined
        if (json === undefined) {
          throw recordNotFound('app-user', [{ 'app-id': id, 'refresh-token': token }])
        }
        return new PreEncoded(json)
      },
    ],
    [
      'POST /runtime/auth/send_magic_code',
      (r) => {
        const email = getParam(r.body, ['body', 'email'], coerceEmail)
        assertKnownApp(bodyAppId(r, 'app-id'))
        auth.sendMagicCode(email)
        return { sent: true }
      },
    ],
    ['POST /runtime/auth/verify_magic_code', (r) => verifyMagicCode(r, false)],
    [
      'POST /runtime/auth/sign_in_guest',
      (r) => {
        assertKnownApp(bodyAppId(r, 'app-id'))
        const ip = r.req.socket.remoteAddress
        return { user: auth.signInGuest(r.body['extra-fields'], false, ip) }
      },
    ],
    [
      'POST /runtime/signout',
      (r) => {
        const id = bodyAppId(r, 'app_id')
        const token = getParam(r.body, ['body', 'refresh_token'], coerceUuid)
        if (id === appId) auth.signOutToken(token)
        return {}
      },
    ],

    // admin (app id + admin token)
    [
      'POST /admin/refresh_tokens',
      (r) => {
        authedAppId(r)
        const email = getOptionalParam(r.body, ['body', 'email'], coerceEmail)
        const id = getOptionalParam(r.body, ['body', 'id'], coerceUuid)
        if (email === undefined && id === undefined) {
          throw validationFailed('body', r.body, [{ message: 'Please provide an `email` or `id`' }])
        }
        return auth.createToken(
          email !== undefined
            ? { email, extraFields: r.body['extra-fields'] }
            : { id: id as string, extraFields: r.body['extra-fields'] },
        )
      },
    ],
    [
      'POST /admin/magic_code',
      (r) => {
        authedAppId(r)
        return { code: auth.generateMagicCode(getParam(r.body, ['body', 'email'], coerceEmail)) }
      },
    ],
    [
      'POST /admin/send_magic_code',
      (r) => {
        authedAppId(r)
        return { code: auth.sendMagicCode(getParam(r.body, ['body', 'email'], coerceEmail)) }
      },
    ],
    [
      'POST /admin/verify_magic_code',
      (r) => {
        authedAppId(r)
        return verifyMagicCode(r, true)
      },
    ],
    [
      'POST /admin/sign_in_guest',
      (r) => {
        authedAppId(r)
        return { user: auth.signInGuest(r.body['extra-fields'], true) }
      },
    ],
    [
      'POST /admin/sign_out',
      (r) => {
        const id = authedAppId(r)
        const b = r.body
        if (isPresent(b['id'])) {
          auth.signOutUser(getParam(b, ['body', 'id'], coerceUuid))
        } else if (isPresent(b['email'])) {
          const email = getParam(b, ['body', 'email'], coerceEmail)
          const user = auth.userByEmail(email)
          if (user === undefined) throw recordNotFound('app-user', [{ 'app-id': id, email }])
          auth.signOutUser(user.id)
        } else if (isPresent(b['refresh_token'])) {
          auth.signOutToken(getParam(b, ['body', 'refresh_token'], coerceUuid))
        } else {
          throw validationFailed('body', b, [
            { message: 'Please provide an `id`, `email`, or `refresh_token`' },
          ])
        }
        return { ok: true }
      },
    ],
    ['GET /admin/users', (r) => ({ user: userFromQuery(r) })],
    [
      'DELETE /admin/users',
      (r) => {
        const user = userFromQuery(r)
        return { deleted: user === null ? null : auth.deleteUser(user.id) }
      },
    ],

    // data: thin wrappers around the data engine
    [
      'POST /admin/query',
      (r) => {
        const query = r.body['query']
        if (!isPresent(query)) throw paramMissing(['body', 'query'])
        if (typeof query !== 'object' || Array.isArray(query)) {
          throw paramMalformed(['body', 'query'], query)
        }
        const caller = resolveCaller(r)
        return ctx.engine.query(r.body, caller)
      },
    ],
    [
      'POST /admin/transact',
      (r) => {
        const steps = r.body['steps']
        if (!isPresent(steps)) throw paramMissing(['body', 'steps'])
        if (typeof steps !== 'object') throw paramMalformed(['body', 'steps'], steps)
        const caller = resolveCaller(r)
        try {
          return ctx.engine.transact(r.body, caller)
        } finally {
          // The engine may have changed $users attributes: drop cached verify answers.
          auth.invalidate()
        }
      },
    ],
  ])

  // ---------- plumbing

  function send(req: IncomingMessage, res: ServerResponse, status: number, json: string): void {
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

  function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (err instanceof LocalInstantError) {
      send(req, res, err.status, JSON.stringify(err.toBody()))
      return
    }
    logger.error(
      `Local Instant: unexpected error on ${req.method ?? '?'} ${pathOf(req.url)}: ${
        err instanceof Error ? (err.stack ?? err.message) : String(err)
      }`,
    )
    send(req, res, 500, UNKNOWN_ERROR_BODY)
  }

  function preflight(req: IncomingMessage, res: ServerResponse): void {
    const origin = corsOrigin(req)
    const headers: Record<string, string> = {
      'content-length': '0',
      vary: 'Origin, Access-Control-Request-Headers',
    }
    if (origin !== undefined) {
      headers['access-control-allow-origin'] = origin
      headers['access-control-allow-methods'] = CORS_METHODS
      headers['access-control-max-age'] = CORS_MAX_AGE
      headers['cache-control'] = `public, max-age=${CORS_MAX_AGE}`
      const requested = req.headers['access-control-request-headers']
      if (requested !== undefined) headers['access-control-allow-headers'] = requested
    }
    res.writeHead(200, headers)
    res.end()
  }

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
      sendError(req, res, err)
      return
    }
    send(req, res, 200, result instanceof PreEncoded ? result.json : JSON.stringify(result))
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
      send(req, res, 404, NOT_FOUND_BODY)
      return
    }
    const declared = req.headers['content-length']
    if (declared !== undefined && Number(declared) > ctx.maxBodyBytes) {
      tooLarge(req, res)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let aborted = false
    req.on('data', (chunk: Buffer) => {
      if (aborted) return
      size += chunk.length
      if (size > ctx.maxBodyBytes) {
        aborted = true
        tooLarge(req, res)
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (aborted) return
      let body: Body = EMPTY_BODY
      if (size > 0) {
        const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString(
          'utf8',
        )
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch {
          send(req, res, 400, MALFORMED_JSON_BODY)
          return
        }
        // Instant reads params with get-in, which finds nothing inside non-objects.
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
          body = parsed as Body
        }
      }
      run(handler, req, res, body)
    })
    req.on('error', () => {
      aborted = true
    })
  }

  function tooLarge(req: IncomingMessage, res: ServerResponse): void {
    const body = JSON.stringify({
      type: 'payload-too-large',
      message: `Request body is larger than ${ctx.maxBodyBytes} bytes.`,
      hint: { 'max-bytes': ctx.maxBodyBytes },
    })
    // The rest of the body is not read: close the connection once the answer is out.
    res.shouldKeepAlive = false
    res.setHeader('connection', 'close')
    send(req, res, 413, body)
    req.resume()
  }
}

/** A handler result that is already JSON text. */
class PreEncoded {
  constructor(readonly json: string) {}
}

const MALFORMED_JSON_BODY = JSON.stringify({
  type: 'param-malformed',
  message: 'Malformed JSON in request body.',
  hint: { in: ['body'] },
})

/**
 * The origin to answer CORS for: runtime routes only, which browsers call (the SDK). Admin
 * routes carry the admin token and are for servers; a page in a browser has no business there.
 */
function corsOrigin(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin
  return origin !== undefined && pathOf(req.url).startsWith('/runtime/') ? origin : undefined
}

/** Instant's `(when-not param ...)`: nil and false are absent. */
function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/'
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

function queryOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? '' : url.slice(q + 1)
}

/** Constant-time comparison of two tokens (UUIDs, so equal lengths when well-formed). */
function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
