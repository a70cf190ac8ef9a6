/** `signInRouter`, and `jwtAuthenticator` for signing in with another identity provider's JWT. */
export { signInRouter } from './sign-in-router.js'
export type { SignInRouterOptions, SignInIdentity, SignInRequest } from './options.js'
export { jwtAuthenticator } from './jwt-authenticator.js'
export type { JwtAuthenticate, JwtAuthenticatorOptions } from './jwt-authenticator.js'
