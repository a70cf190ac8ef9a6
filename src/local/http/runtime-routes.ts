/**
 * The runtime auth routes browsers call (the SDK, no admin token): verify a refresh token, send
 * and verify magic codes, guest sign-in, sign-out. They trust the app id in the body.
 */
import type { Auth } from '../auth/index.js'
import { rateLimited } from '../auth/rate-limited.js'
import { recordNotFound } from '../errors.js'
import { coerceEmail, coerceUuid, getParam } from '../params.js'
import { createFixedWindowLimiter } from '../rate-limit.js'
import type { Credentials } from './credentials.js'
import { PreEncoded, type Routes } from './request.js'
import { verifyMagicCodeRoute } from './verify-magic-code.js'

const HOUR_MS = 3_600_000

export interface RuntimeRouteLimits {
  guestSignInsPerHour: number
  /** Cap on client IPs the guest limiter holds. */
  rateLimitMaxKeys: number
}

export function runtimeRoutes(
  auth: Auth,
  credentials: Credentials,
  limits: RuntimeRouteLimits,
): Routes {
  const { bodyAppId, assertKnownApp } = credentials
  // Keyed by the client IP, which only this route knows; the admin route is not limited.
  const guestLimiter = createFixedWindowLimiter(
    limits.guestSignInsPerHour,
    HOUR_MS,
    limits.rateLimitMaxKeys,
  )
  return [
    [
      'POST /runtime/auth/verify_refresh_token',
      (r) => {
        const token = getParam(r.body, ['body', 'refresh-token'], coerceUuid)
        const id = bodyAppId(r, 'app-id')
        const json = id === auth.appId ? auth.verifyResponseJson(token) : undefined
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
    [
      'POST /runtime/auth/verify_magic_code',
      (r) => verifyMagicCodeRoute(auth, credentials, r, false),
    ],
    [
      'POST /runtime/auth/sign_in_guest',
      (r) => {
        assertKnownApp(bodyAppId(r, 'app-id'))
        if (!guestLimiter.tryConsume(r.req.socket.remoteAddress ?? '', Date.now())) {
          throw rateLimited('Too many guest sign-ins from this address. Please try again later.')
        }
        return { user: auth.signInGuest(r.body['extra-fields'], false) }
      },
    ],
    [
      'POST /runtime/signout',
      (r) => {
        const id = bodyAppId(r, 'app_id')
        const token = getParam(r.body, ['body', 'refresh_token'], coerceUuid)
        if (id === auth.appId) auth.signOutToken(token)
        return {}
      },
    ],
  ]
}
