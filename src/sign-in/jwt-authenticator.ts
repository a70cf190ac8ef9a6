/**
 * `jwtAuthenticator()`: sign-in with an ID token or access token from another identity provider
 * (Auth0, Clerk, Cognito, Firebase, Google, your own), for `signInRouter({ authenticate })`.
 */
import { createPublicKey, KeyObject, type JsonWebKey } from 'node:crypto'
import type * as Jose from 'jose'
import type { JWK, JWTPayload, JWTVerifyGetKey } from 'jose'
import { KitError } from '../errors/kit-error.js'
import { isLoopbackHost } from '../options/loopback.js'
import { resolveNumber, resolveTimeoutMs } from '../options/numbers.js'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'

/**
 * jose (46 modules, ~0.8 MB of heap) is loaded at the first sign-in that needs it, not when the
 * package is imported: most apps that import the kit never verify a JWT.
 */
let jose: Promise<typeof Jose> | undefined
function loadJose(): Promise<typeof Jose> {
  jose ??= import('jose')
  return jose
}

/** Allowed clock skew, in seconds, for `exp` and `nbf`, unless `clockToleranceSec` says otherwise. */
const DEFAULT_CLOCK_TOLERANCE_SEC = 5

/** How long a JWKS fetch may take, in ms, unless `jwksTimeoutMs` says otherwise. */
const DEFAULT_JWKS_TIMEOUT_MS = 5_000

/** The shortest `jwksCacheMaxAgeMs` accepted, in ms. */
const MIN_JWKS_CACHE_MAX_AGE_MS = 1_000

/** How long a fetched JWKS is trusted before it is fetched again, in ms (jose's default). */
const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 600_000

const FACTORY = 'jwtAuthenticator'

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const

/** A JWS algorithm for an HMAC secret. */
type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number]
/** A JWS algorithm for a public key or a JWKS. */
type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number]

/** The smallest HMAC secret accepted, in bytes (RFC 7518 §3.2: at least the hash size of HS256). */
const MIN_SECRET_BYTES = 32

/** Options every key source shares. */
interface JwtAuthenticatorBaseOptions {
  /** The expected `iss` (or any of several). Required. */
  issuer: string | readonly string[]
  /** The expected `aud` (or any of several), e.g. your client id or API identifier. Required. */
  audience: string | readonly string[]
  /** The claim holding the email. Default `'email'`. */
  emailClaim?: string
  /**
   * Require `email_verified: true` (the boolean, or the string `'true'` some providers send).
   * Default `true`: an unverified email must not sign anyone in as that address.
   */
  requireEmailVerified?: boolean
  /** Allowed clock skew for `exp`/`nbf`, in seconds. Default `5`. */
  clockToleranceSec?: number
  /** The body field holding the token. Default `'token'`; `Authorization: Bearer` also works. */
  tokenField?: string
}

/** Verify with the keys an identity provider publishes (`…/.well-known/jwks.json`). */
interface JwksKeySource {
  /** The JWKS URL; `https:` except for loopback hosts. Fetched once, cached, refreshed on a new `kid`. */
  jwksUri: string | URL
  /** Accepted algorithms, e.g. `['RS256']`. Required. */
  algorithms: readonly AsymmetricAlgorithm[]
  /** JWKS fetch timeout in ms. Default `5_000`. */
  jwksTimeoutMs?: number
  /** How long a fetched JWKS is used, in ms. Default `600_000` (10 minutes). */
  jwksCacheMaxAgeMs?: number
  publicKey?: never
  secret?: never
}

/** Verify with one public key. */
interface PublicKeySource {
  /** An SPKI PEM string, a public JWK, or a Node `KeyObject`. */
  publicKey: string | JWK | KeyObject
  /** Accepted algorithms, e.g. `['ES256']`. Required. */
  algorithms: readonly AsymmetricAlgorithm[]
  jwksUri?: never
  secret?: never
}

/** Verify with a shared HMAC secret. */
interface SecretKeySource {
  /** The shared secret, at least 32 bytes (a string is UTF-8 encoded). */
  secret: string | Uint8Array
  /** Accepted algorithms, e.g. `['HS256']`. Required. */
  algorithms: readonly HmacAlgorithm[]
  jwksUri?: never
  publicKey?: never
}

/** Options of {@link jwtAuthenticator}: exactly one key source plus the shared options. */
export type JwtAuthenticatorOptions = JwtAuthenticatorBaseOptions &
  (JwksKeySource | PublicKeySource | SecretKeySource)

/** Every key {@link jwtAuthenticator} accepts, of any key source; anything else throws. */
const JWT_AUTHENTICATOR_OPTIONS = {
  issuer: true,
  audience: true,
  emailClaim: true,
  requireEmailVerified: true,
  clockToleranceSec: true,
  tokenField: true,
  jwksUri: true,
  algorithms: true,
  jwksTimeoutMs: true,
  jwksCacheMaxAgeMs: true,
  publicKey: true,
  secret: true,
} as const satisfies OptionKeys<JwtAuthenticatorOptions>

/** What `authenticate` reads: Express's `req`, or any `{ headers, body }`. */
interface AuthenticateRequest {
  headers: Record<string, string | string[] | undefined>
  body?: unknown
}

/** Checks a request's JWT and answers the email it proves, for `signInRouter`. */
export type JwtAuthenticate = (req: AuthenticateRequest) => Promise<{ email: string }>

/**
 * Builds `authenticate(req)` for `signInRouter` from JWTs issued by another identity provider.
 *
 * The token is read from the JSON body (`req.body[tokenField]`, as `signInRouter` parses it),
 * else from `Authorization: Bearer`. It is verified with jose: signature, `alg` among
 * `algorithms`, `iss`, `aud`, `exp` (required) and `nbf`. The email claim is trimmed and
 * lower-cased.
 *
 * It never resolves `null`: a token that does not prove an email throws
 * `KitError('invalid_credentials')` (401), with the reason as `cause`; a JWKS that cannot be
 * fetched (unreachable, timeout, non-200, not a JWKS) throws `KitError('auth_unavailable')` (503).
 * The token never appears in an error.
 *
 * @example
 * ```ts
 * app.use(signInRouter({
 *   db,
 *   authenticate: jwtAuthenticator({
 *     jwksUri: 'https://acme.eu.auth0.com/.well-known/jwks.json',
 *     issuer: 'https://acme.eu.auth0.com/',
 *     audience: process.env.AUTH0_CLIENT_ID!,
 *     algorithms: ['RS256'],
 *   }),
 * }))
 * ```
 */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): JwtAuthenticate {
  if (typeof options !== 'object' || options === null) {
    throw optionError(FACTORY, 'options', 'be an object', options)
  }
  checkOptionKeys(options, JWT_AUTHENTICATOR_OPTIONS, 'jwtAuthenticator')
  const { emailClaim = 'email', requireEmailVerified = true, tokenField = 'token' } = options
  const issuer = stringOrList(options.issuer, 'issuer')
  const audience = stringOrList(options.audience, 'audience')
  if (typeof emailClaim !== 'string' || emailClaim === '') {
    throw optionError(FACTORY, 'emailClaim', 'be a non-empty claim name', emailClaim)
  }
  if (typeof requireEmailVerified !== 'boolean') {
    throw optionError(
      FACTORY,
      'requireEmailVerified',
      'be a boolean (default true)',
      requireEmailVerified,
    )
  }
  const clockToleranceSec = resolveNumber(options.clockToleranceSec, {
    factory: FACTORY,
    option: 'clockToleranceSec',
    default: DEFAULT_CLOCK_TOLERANCE_SEC,
    min: 0,
    unit: 'seconds',
  })
  if (typeof tokenField !== 'string' || tokenField === '') {
    throw optionError(FACTORY, 'tokenField', 'be a non-empty string', tokenField)
  }
  const { key, algorithms } = keySource(options)
  const verifyOptions = {
    algorithms,
    issuer,
    audience,
    clockTolerance: clockToleranceSec,
    requiredClaims: ['exp'],
  }

  async function verifyToken(token: string): Promise<JWTPayload> {
    try {
      const { jwtVerify } = await loadJose()
      // Two calls only because jwtVerify's overloads take a key function or a key, not either.
      const { payload } =
        typeof key === 'function'
          ? await jwtVerify(token, key, verifyOptions)
          : await jwtVerify(token, key, verifyOptions)
      return payload
    } catch (err) {
      if (err instanceof JwksUnavailable) {
        throw new KitError('auth_unavailable', { cause: err.cause })
      }
      throw new KitError('invalid_credentials', { cause: withoutClaims(err) })
    }
  }

  return async function authenticateJwt(req) {
    const token = readToken(req, tokenField)
    const payload = await verifyToken(token)
    if (
      requireEmailVerified &&
      payload.email_verified !== true &&
      payload.email_verified !== 'true'
    ) {
      throw rejected('ERR_EMAIL_NOT_VERIFIED', 'the token does not say email_verified: true')
    }
    const email = payload[emailClaim]
    if (typeof email !== 'string' || !email.includes('@')) {
      throw rejected('ERR_EMAIL_MISSING', `the token has no email in the "${emailClaim}" claim`)
    }
    return { email: email.trim().toLowerCase() }
  }
}

/** Body field first (what `signInRouter` parsed), then `Authorization: Bearer`. */
function readToken(req: AuthenticateRequest, tokenField: string): string {
  const body = req?.body
  const fromBody =
    typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>)[tokenField]
      : undefined
  const header = req?.headers?.authorization
  const match = typeof header === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null
  const fromHeader = match?.[1]
  if (fromBody !== undefined && typeof fromBody !== 'string') {
    throw rejected('ERR_TOKEN_NOT_STRING', `body.${tokenField} must be a string`)
  }
  if (fromBody && fromHeader && fromBody !== fromHeader) {
    throw rejected(
      'ERR_TOKEN_CONFLICT',
      'the body and the Authorization header carry different tokens',
    )
  }
  const token = fromBody || fromHeader
  if (!token) {
    throw rejected('ERR_TOKEN_MISSING', `no token in body.${tokenField} or Authorization: Bearer`)
  }
  return token
}

/** An `invalid_credentials` error whose cause says why, without the token. */
function rejected(code: string, reason: string): KitError {
  return new KitError('invalid_credentials', {
    cause: Object.assign(new Error(`JWT sign-in refused: ${reason}`), { code }),
  })
}

/**
 * jose's claim errors carry the whole token payload (the email and any other personal claims);
 * the cause keeps jose's code, claim and reason only, so logging it leaks nothing.
 */
function withoutClaims(error: unknown): unknown {
  if (!(error instanceof Error) || !('payload' in error)) return error
  const { code, claim, reason } = error as { code?: unknown; claim?: unknown; reason?: unknown }
  return Object.assign(new Error(error.message), { name: error.name, code, claim, reason })
}

/** Marks a failure to get the JWKS itself, so it becomes 503 and never 401. */
class JwksUnavailable extends Error {}

/** jose errors that mean "this token does not match the keys", not "no keys to check with". */
const TOKEN_KEY_ERRORS = new Set([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JWS_INVALID',
])

function keySource(options: JwtAuthenticatorOptions): {
  key: JWTVerifyGetKey | KeyObject | Uint8Array
  algorithms: string[]
} {
  const given = (['jwksUri', 'publicKey', 'secret'] as const).filter(
    (name) => options[name] !== undefined,
  )
  if (given.length !== 1) {
    throw optionError(
      FACTORY,
      'jwksUri` / `publicKey` / `secret',
      'be given, exactly one of them',
      undefined,
      given.length === 0 ? 'none' : given.join(', '),
    )
  }
  const algorithms = algorithmList(options.algorithms, options.secret !== undefined)

  if (options.jwksUri !== undefined) {
    const url = jwksUrl(options.jwksUri)
    const timeoutDuration = resolveTimeoutMs(options.jwksTimeoutMs, {
      factory: FACTORY,
      option: 'jwksTimeoutMs',
      default: DEFAULT_JWKS_TIMEOUT_MS,
      integer: true,
    })
    // Below a second, jose would refetch the key set for nearly every sign-in.
    const cacheMaxAge = resolveNumber(options.jwksCacheMaxAgeMs, {
      factory: FACTORY,
      option: 'jwksCacheMaxAgeMs',
      default: DEFAULT_JWKS_CACHE_MAX_AGE_MS,
      min: MIN_JWKS_CACHE_MAX_AGE_MS,
      unit: 'milliseconds',
    })
    // Created once, at the first sign-in: jose caches the keys, coalesces fetches and refetches
    // on an unknown `kid`.
    let jwks: ReturnType<typeof Jose.createRemoteJWKSet> | undefined
    const getKey: JWTVerifyGetKey = async (header, token) => {
      try {
        jwks ??= (await loadJose()).createRemoteJWKSet(url, { timeoutDuration, cacheMaxAge })
        return await jwks(header, token)
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code
        if (typeof code === 'string' && TOKEN_KEY_ERRORS.has(code)) throw err
        throw new JwksUnavailable('the JWKS could not be fetched', { cause: err })
      }
    }
    return { key: getKey, algorithms }
  }

  if (options.publicKey !== undefined) {
    return { key: publicKeyOf(options.publicKey), algorithms }
  }

  const { secret } = options as SecretKeySource
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < MIN_SECRET_BYTES) {
    throw optionError(
      FACTORY,
      'secret',
      `be a string or Uint8Array of at least ${MIN_SECRET_BYTES} bytes`,
      secret,
      bytes instanceof Uint8Array ? `${bytes.byteLength} bytes` : undefined,
    )
  }
  return { key: Uint8Array.from(bytes), algorithms }
}

function algorithmList(value: unknown, forSecret: boolean): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw optionError(
      FACTORY,
      'algorithms',
      `be given, a non-empty list, e.g. ${forSecret ? "['HS256']" : "['RS256']"}`,
      value,
    )
  }
  const allowed: readonly string[] = forSecret ? HMAC_ALGORITHMS : ASYMMETRIC_ALGORITHMS
  for (const alg of value) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      throw optionError(FACTORY, 'algorithms', 'not contain "none"', alg, JSON.stringify(alg))
    }
    if (typeof alg !== 'string' || !allowed.includes(alg)) {
      throw optionError(
        FACTORY,
        'algorithms',
        `list only ${allowed.join(', ')} with ${forSecret ? 'a secret' : 'a public key or JWKS'}`,
        alg,
        typeof alg === 'string' ? JSON.stringify(alg) : undefined,
      )
    }
  }
  return [...value] as string[]
}

function stringOrList(value: unknown, name: string): string | string[] {
  if (typeof value === 'string' && value !== '') return value
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => typeof v === 'string' && v !== '')
  ) {
    return [...(value as string[])]
  }
  throw optionError(FACTORY, name, 'be given: a string or a list of strings', value)
}

function jwksUrl(value: string | URL): URL {
  let url: URL
  try {
    url = new URL(String(value))
  } catch {
    throw optionError(FACTORY, 'jwksUri', 'be an absolute URL', value)
  }
  const loopback = isLoopbackHost(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw optionError(
      FACTORY,
      'jwksUri',
      'use https: (http: only for localhost)',
      value,
      url.protocol,
    )
  }
  return url
}

function publicKeyOf(value: string | JWK | KeyObject): KeyObject {
  let key: KeyObject
  try {
    if (value instanceof KeyObject) key = value
    else if (typeof value === 'string') key = createPublicKey(value)
    else key = createPublicKey({ key: value as JsonWebKey, format: 'jwk' })
  } catch (err) {
    // The key parser's own error says what was wrong with it (never the key itself).
    throw Object.assign(
      optionError(
        FACTORY,
        'publicKey',
        'be an SPKI PEM string, a public JWK or a KeyObject',
        value,
      ),
      { cause: err },
    )
  }
  if (key.type !== 'public') {
    throw optionError(
      FACTORY,
      'publicKey',
      'be a public key, not a secret or private key',
      value,
      `a ${key.type} key`,
    )
  }
  return key
}
