/**
 * The error of a call that needs an admin token on a client built without one. The admin client
 * throws it before the network; the classifiers, `checkInstant` and the app-id probe recognise
 * it by its stable `code`, never by the SDK's message text.
 */

/** The `code` on the error; `@instantdb/admin` throws the same message without it. */
const ADMIN_TOKEN_REQUIRED_CODE = 'INSTANT_ADMIN_TOKEN_REQUIRED'

/** The SDK's plain `Error` and `message` (code matching on it keeps working), plus our `code`. */
export function adminTokenRequiredError(message: string): Error {
  return Object.assign(new Error(message), { code: ADMIN_TOKEN_REQUIRED_CODE })
}

/** True for the error {@link adminTokenRequiredError} makes, from any copy of the package. */
export function isAdminTokenRequired(error: unknown): boolean {
  return (error as { code?: unknown } | null | undefined)?.code === ADMIN_TOKEN_REQUIRED_CODE
}
