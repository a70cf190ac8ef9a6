/** The 429 `rate-limited` error the auth routes answer when a limiter refuses. */
import { LocalInstantError } from '../errors.js'

export function rateLimited(
  message = 'Too many verification codes requested for this email. Please try again later.',
): LocalInstantError {
  return new LocalInstantError(429, 'rate-limited', message)
}
