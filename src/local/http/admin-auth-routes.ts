/**
 * The admin auth routes (app id + admin token): refresh tokens, magic codes, guests, sign-out
 * and the `/admin/users` lookups.
 */
import type { Auth } from '../auth/index.js'
import { recordNotFound, validationFailed } from '../errors.js'
import { coerceEmail, coerceUuid, getOptionalParam, getParam } from '../params.js'
import type { Credentials } from './credentials.js'
import { isPresent, type Body, type Request, type Routes } from './request.js'
import { verifyMagicCodeRoute } from './verify-magic-code.js'

export function adminAuthRoutes(auth: Auth, credentials: Credentials): Routes {
  const { authedAppId } = credentials

  /** `req->app-user!` for GET/DELETE /admin/users: email, then refresh_token, then id. */
  function userFromQuery(r: Request) {
    authedAppId(r)
    const params: Body = {}
    for (const [k, v] of r.query()) if (!(k in params)) params[k] = v
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

  return [
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
        return verifyMagicCodeRoute(auth, credentials, r, true)
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
  ]
}
