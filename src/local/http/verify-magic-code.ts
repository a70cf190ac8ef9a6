/**
 * Both `verify_magic_code` routes (runtime and admin) read their parameters in Instant's order:
 * email, code, app id, then the optional guest refresh token.
 */
import type { Auth } from '../auth/index.js'
import { recordNotFound } from '../errors.js'
import { coerceEmail, coerceTrimmed, coerceUuid, getOptionalParam, getParam } from '../params.js'
import type { Credentials } from './credentials.js'
import type { Request } from './request.js'

export function verifyMagicCodeRoute(
  auth: Auth,
  credentials: Credentials,
  r: Request,
  admin: boolean,
) {
  const email = getParam(r.body, ['body', 'email'], coerceEmail)
  const code = getParam(r.body, ['body', 'code'], coerceTrimmed)
  // The admin route has already checked the app id with the admin token.
  const id = admin ? auth.appId : credentials.bodyAppId(r, 'app-id')
  const guestToken = getOptionalParam(r.body, ['body', 'refresh-token'], coerceUuid)
  if (id !== auth.appId) {
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
