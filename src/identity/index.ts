/**
 * External-identity sign-in: `authenticate` functions for `signInRouter`.
 */
export {
  jwtAuthenticator,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_JWKS_TIMEOUT_MS,
  DEFAULT_JWKS_CACHE_MAX_AGE_MS,
} from './jwt-authenticator.js'
export type {
  AuthenticateRequest,
  AsymmetricAlgorithm,
  HmacAlgorithm,
  JwksKeySource,
  JwtAuthenticate,
  JwtAuthenticatorBaseOptions,
  JwtAuthenticatorOptions,
  PublicKeySource,
  SecretKeySource,
} from './jwt-authenticator.js'
