/**
 * App ids and credentials on Local Instant's HTTP routes (contract §2, §6): the untrusted app id
 * (header or query), the admin token check, the body app id of runtime routes, and `get-perms!`
 * (which caller a data request runs as).
 */
import { timingSafeEqual } from 'node:crypto'
import type { Auth } from '../auth/index.js'
import type { Caller } from '../data/caller.js'
import { paramMalformed, paramMissing, recordNotFound } from '../errors.js'
import { coerceUuid, getParam } from '../params.js'
import type { Request } from './request.js'

const APP_ID_HEADER = ['headers', 'app-id'] as const
const APP_ID_QUERY = ['query-params', 'app_id'] as const

export interface Credentials {
  /** The app id from the `app-id` header or the `app_id` query parameter, unchecked. */
  untrustedAppId(r: Request): string
  /** `req->app-id-authed!`: the app id plus a valid admin token for it. */
  authedAppId(r: Request): string
  /** Runtime routes trust the app id in the body; a foreign one has no users, codes or tokens. */
  bodyAppId(r: Request, key: 'app-id' | 'app_id'): string
  assertKnownApp(id: string): void
  /** `get-perms!`: as-token > as-email > as-guest > admin. */
  resolveCaller(r: Request): Caller
}

export function createCredentials(auth: Auth, adminToken: string): Credentials {
  const appId = auth.appId

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

  function assertKnownApp(id: string): void {
    if (id !== appId) throw recordNotFound('app', [{ id }])
  }

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

  return {
    untrustedAppId,
    authedAppId,
    bodyAppId: (r, key) => getParam(r.body, ['body', key], coerceUuid),
    assertKnownApp,
    resolveCaller,
  }
}

/** Constant-time comparison of two tokens (UUIDs, so equal lengths when well-formed). */
function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
