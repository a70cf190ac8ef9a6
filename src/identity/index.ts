/**
 * External-identity sign-in: `authenticate` functions for `signInRouter`.
 */
export { jwtAuthenticator } from './jwt-authenticator.js'
export type { JwtAuthenticate, JwtAuthenticatorOptions } from './jwt-authenticator.js'
