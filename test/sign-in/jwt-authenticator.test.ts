import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isKitError, type KitError } from '../../src/errors/kit-error.js'
import { jwtAuthenticator, type JwtAuthenticatorOptions } from '../../src/sign-in/index.js'

const ISSUER = 'https://id.example.test/'
const AUDIENCE = 'instant-express-auth-tests'
const SECRET = 'a-shared-hmac-secret-of-at-least-32-bytes!'

let rsa: { publicKey: CryptoKey; privateKey: CryptoKey }
let es: { publicKey: CryptoKey; privateKey: CryptoKey }
let other: { publicKey: CryptoKey; privateKey: CryptoKey }
let jwks: { uri: string; hits: () => number; close: () => Promise<void> }

/** Serves `{ keys }` on 127.0.0.1:0, or answers `status` instead. */
async function serveJwks(keys: JWK[], status = 200) {
  let hits = 0
  const server: Server = createServer((req, res) => {
    hits++
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(status === 200 ? JSON.stringify({ keys }) : '{"error":"boom"}')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    uri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    hits: () => hits,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

beforeAll(async () => {
  rsa = await generateKeyPair('RS256')
  es = await generateKeyPair('ES256')
  other = await generateKeyPair('RS256')
  jwks = await serveJwks([
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
  ])
})
afterAll(async () => {
  await jwks.close()
})

interface SignOptions {
  alg?: string
  kid?: string
  key?: CryptoKey | Uint8Array
  issuer?: string
  audience?: string
  expiresIn?: string | number | null
  notBefore?: string | number
}

const CLAIMS = { email: ' Ada.Lovelace@Example.COM ', email_verified: true }

async function sign(claims: JWTPayload = CLAIMS, options: SignOptions = {}): Promise<string> {
  const alg = options.alg ?? 'RS256'
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, kid: options.kid ?? (alg === 'ES256' ? 'es-1' : 'rsa-1') })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setSubject('user-1')
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '5m')
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore)
  return jwt.sign(options.key ?? (alg === 'ES256' ? es.privateKey : rsa.privateKey))
}

function withJwks(extra: Partial<JwtAuthenticatorOptions> = {}) {
  return jwtAuthenticator({
    jwksUri: jwks.uri,
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['RS256', 'ES256'],
    ...extra,
  } as JwtAuthenticatorOptions)
}

async function kitRejection(promise: Promise<unknown>): Promise<KitError> {
  try {
    await promise
  } catch (err) {
    if (isKitError(err)) return err
    throw err
  }
  throw new Error('expected a rejection')
}

describe('jwtAuthenticator with a JWKS', () => {
  it('answers the trimmed, lower-cased email of a valid token in the body', async () => {
    const authenticate = withJwks()
    const token = await sign()
    await expect(authenticate({ headers: {}, body: { token } })).resolves.toEqual({
      email: 'ada.lovelace@example.com',
    })
  })

  it('reads Authorization: Bearer, and a custom body field', async () => {
    const token = await sign(CLAIMS, { alg: 'ES256' })
    await expect(withJwks()({ headers: { authorization: `Bearer ${token}` } })).resolves.toEqual({
      email: 'ada.lovelace@example.com',
    })
    await expect(
      withJwks({ tokenField: 'id_token' })({ headers: {}, body: { id_token: token } }),
    ).resolves.toEqual({ email: 'ada.lovelace@example.com' })
  })

  it('fetches the JWKS once and caches it', async () => {
    const server = await serveJwks([
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' },
    ])
    try {
      const authenticate = withJwks({ jwksUri: server.uri })
      await authenticate({ headers: {}, body: { token: await sign() } })
      await authenticate({ headers: {}, body: { token: await sign() } })
      expect(server.hits()).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('accepts a custom email claim and the string "true" for email_verified', async () => {
    const token = await sign({ mail: 'Bob@Example.com', email_verified: 'true' })
    await expect(
      withJwks({ emailClaim: 'mail' })({ headers: {}, body: { token } }),
    ).resolves.toEqual({ email: 'bob@example.com' })
  })

  it('lets requireEmailVerified: false accept an unverified email', async () => {
    const token = await sign({ email: 'ada@example.com' })
    await expect(
      withJwks({ requireEmailVerified: false })({ headers: {}, body: { token } }),
    ).resolves.toEqual({ email: 'ada@example.com' })
  })

  const now = () => Math.floor(Date.now() / 1000)
  const refusals: [string, () => Promise<unknown>, string | undefined][] = [
    ['an expired token', () => sign(CLAIMS, { expiresIn: now() - 60 }), 'ERR_JWT_EXPIRED'],
    [
      'a token not yet valid',
      () => sign(CLAIMS, { notBefore: now() + 60 }),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'a wrong issuer',
      () => sign(CLAIMS, { issuer: 'https://evil.test/' }),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'a wrong audience',
      () => sign(CLAIMS, { audience: 'someone-else' }),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'a token without exp',
      () => sign(CLAIMS, { expiresIn: null }),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'a signature by another key under a known kid',
      () => sign(CLAIMS, { key: other.privateKey }),
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    ],
    [
      'an unknown kid',
      () => sign(CLAIMS, { key: other.privateKey, kid: 'unknown' }),
      'ERR_JWKS_NO_MATCHING_KEY',
    ],
    [
      'alg none',
      async () =>
        new UnsecuredJWT(CLAIMS)
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .encode(),
      'ERR_JOSE_ALG_NOT_ALLOWED',
    ],
    [
      'HS256 signed with the public key (algorithm confusion)',
      () => sign(CLAIMS, { alg: 'HS256', key: new TextEncoder().encode(SECRET) }),
      'ERR_JOSE_ALG_NOT_ALLOWED',
    ],
    ['a malformed token', async () => 'not.a.jwt', 'ERR_JWS_INVALID'],
    ['an unverified email', () => sign({ email: 'ada@example.com' }), 'ERR_EMAIL_NOT_VERIFIED'],
    [
      'email_verified: false',
      () => sign({ email: 'ada@example.com', email_verified: false }),
      'ERR_EMAIL_NOT_VERIFIED',
    ],
    ['a missing email', () => sign({ email_verified: true }), 'ERR_EMAIL_MISSING'],
    ['a non-string email', () => sign({ email: 42, email_verified: true }), 'ERR_EMAIL_MISSING'],
  ]

  it.each(refusals)('refuses %s with invalid_credentials', async (_name, makeToken, causeCode) => {
    const token = (await makeToken()) as string
    const err = await kitRejection(withJwks()({ headers: {}, body: { token } }))
    expect(err.code).toBe('invalid_credentials')
    expect(err.status).toBe(401)
    expect(err.message).toBe('Sign-in failed.')
    expect((err.cause as { code?: string }).code).toBe(causeCode)
    const shown = inspect(err, { depth: Infinity, showHidden: true })
    expect(shown).not.toContain(token)
    // jose's claim errors carry the payload; the cause keeps code and reason, not the claims.
    expect(shown.toLowerCase()).not.toContain('ada.lovelace@example.com')
  })

  it.each([
    ['no token at all', { headers: {} }, 'ERR_TOKEN_MISSING'],
    ['a non-string token', { headers: {}, body: { token: 42 } }, 'ERR_TOKEN_NOT_STRING'],
    ['a non-Bearer header', { headers: { authorization: 'Basic abc' } }, 'ERR_TOKEN_MISSING'],
    [
      'two different tokens',
      { headers: { authorization: 'Bearer aaa.bbb.ccc' }, body: { token: 'ddd.eee.fff' } },
      'ERR_TOKEN_CONFLICT',
    ],
  ])('refuses %s with invalid_credentials', async (_name, req, causeCode) => {
    const err = await kitRejection(withJwks()(req))
    expect(err.code).toBe('invalid_credentials')
    expect((err.cause as { code?: string }).code).toBe(causeCode)
  })

  it('answers auth_unavailable, never invalid_credentials, when the JWKS server is down', async () => {
    const down = await serveJwks([])
    await down.close()
    const token = await sign()
    const err = await kitRejection(
      withJwks({ jwksUri: down.uri })({ headers: {}, body: { token } }),
    )
    expect(err.code).toBe('auth_unavailable')
    expect(err.status).toBe(503)
    expect(inspect(err, { depth: Infinity })).toMatch(/ECONNREFUSED/)
    expect(inspect(err, { depth: Infinity, showHidden: true })).not.toContain(token)
  })

  it('answers auth_unavailable when the JWKS endpoint fails with a 5xx', async () => {
    const failing = await serveJwks([], 500)
    try {
      const err = await kitRejection(
        withJwks({ jwksUri: failing.uri })({ headers: {}, body: { token: await sign() } }),
      )
      expect(err.code).toBe('auth_unavailable')
      expect((err.cause as Error).message).toBe(
        'Expected 200 OK from the JSON Web Key Set HTTP response',
      )
    } finally {
      await failing.close()
    }
  })

  it('answers auth_unavailable when the JWKS endpoint times out', async () => {
    const server = createServer(() => {
      // never answers
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    try {
      const err = await kitRejection(
        withJwks({ jwksUri: `http://127.0.0.1:${port}/jwks`, jwksTimeoutMs: 100 })({
          headers: {},
          body: { token: await sign() },
        }),
      )
      expect(err.code).toBe('auth_unavailable')
      expect((err.cause as { code?: string }).code).toBe('ERR_JWKS_TIMEOUT')
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})

describe('jwtAuthenticator with a public key or a secret', () => {
  it('verifies with an SPKI PEM public key', async () => {
    const authenticate = jwtAuthenticator({
      publicKey: await exportSPKI(es.publicKey),
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['ES256'],
    })
    await expect(
      authenticate({ headers: {}, body: { token: await sign(CLAIMS, { alg: 'ES256' }) } }),
    ).resolves.toEqual({ email: 'ada.lovelace@example.com' })
    const err = await kitRejection(authenticate({ headers: {}, body: { token: await sign() } }))
    expect(err.code).toBe('invalid_credentials')
  })

  it('verifies with a public JWK', async () => {
    const authenticate = jwtAuthenticator({
      publicKey: await exportJWK(rsa.publicKey),
      issuer: [ISSUER, 'https://other.test/'],
      audience: AUDIENCE,
      algorithms: ['RS256'],
    })
    await expect(authenticate({ headers: {}, body: { token: await sign() } })).resolves.toEqual({
      email: 'ada.lovelace@example.com',
    })
  })

  it('verifies HS256 with a secret, and refuses another secret', async () => {
    const authenticate = jwtAuthenticator({
      secret: SECRET,
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    })
    const key = new TextEncoder().encode(SECRET)
    await expect(
      authenticate({ headers: {}, body: { token: await sign(CLAIMS, { alg: 'HS256', key }) } }),
    ).resolves.toEqual({ email: 'ada.lovelace@example.com' })
    const wrong = new TextEncoder().encode(`${SECRET}-but-different`)
    const err = await kitRejection(
      authenticate({
        headers: {},
        body: { token: await sign(CLAIMS, { alg: 'HS256', key: wrong }) },
      }),
    )
    expect(err.code).toBe('invalid_credentials')
    expect((err.cause as { code?: string }).code).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
  })
})

describe('jwtAuthenticator options', () => {
  const base = { issuer: ISSUER, audience: AUDIENCE }
  it.each([
    [
      'no key source',
      { ...base, algorithms: ['RS256'] },
      '`jwksUri` / `publicKey` / `secret` must be given, exactly one of them; got none.',
    ],
    [
      'two key sources',
      { ...base, jwksUri: 'https://x.test/jwks', secret: SECRET, algorithms: ['RS256'] },
      '`jwksUri` / `publicKey` / `secret` must be given, exactly one of them; got jwksUri, secret.',
    ],
    [
      'no algorithms',
      { ...base, secret: SECRET },
      "`algorithms` must be given, a non-empty list, e.g. ['HS256']; got undefined.",
    ],
    [
      'empty algorithms',
      { ...base, secret: SECRET, algorithms: [] },
      "`algorithms` must be given, a non-empty list, e.g. ['HS256']; got an array.",
    ],
    [
      'alg none',
      { ...base, secret: SECRET, algorithms: ['none'] },
      '`algorithms` must not contain "none"; got "none".',
    ],
    [
      'an RSA algorithm with a secret',
      { ...base, secret: SECRET, algorithms: ['RS256'] },
      '`algorithms` must list only HS256, HS384, HS512 with a secret; got "RS256".',
    ],
    [
      'an HMAC algorithm with a JWKS',
      { ...base, jwksUri: 'https://x.test/jwks', algorithms: ['HS256'] },
      '`algorithms` must list only RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519 with a public key or JWKS; got "HS256".',
    ],
    [
      'a short secret',
      { ...base, secret: 'short', algorithms: ['HS256'] },
      '`secret` must be a string or Uint8Array of at least 32 bytes; got 5 bytes.',
    ],
    [
      'no issuer',
      { audience: AUDIENCE, secret: SECRET, algorithms: ['HS256'] },
      '`issuer` must be given: a string or a list of strings; got undefined.',
    ],
    [
      'no audience',
      { issuer: ISSUER, secret: SECRET, algorithms: ['HS256'] },
      '`audience` must be given: a string or a list of strings; got undefined.',
    ],
    [
      'plain http to a remote JWKS',
      { ...base, jwksUri: 'http://id.example.test/jwks', algorithms: ['RS256'] },
      '`jwksUri` must use https: (http: only for localhost); got http:.',
    ],
    [
      'plain http to a host that only starts with "127."',
      { ...base, jwksUri: 'http://127.attacker.example/jwks', algorithms: ['RS256'] },
      '`jwksUri` must use https: (http: only for localhost); got http:.',
    ],
    [
      'a JWKS cache age under a second (a fetch per sign-in)',
      { ...base, jwksUri: 'https://x.test/jwks', algorithms: ['RS256'], jwksCacheMaxAgeMs: 0 },
      '`jwksCacheMaxAgeMs` must be a number of milliseconds of at least 1000 (default 600000); got 0.',
    ],
    [
      'a public key that is not one',
      { ...base, publicKey: 'not a pem', algorithms: ['RS256'] },
      '`publicKey` must be an SPKI PEM string, a public JWK or a KeyObject; got a string.',
    ],
    [
      'a negative clock tolerance',
      { ...base, secret: SECRET, algorithms: ['HS256'], clockToleranceSec: -1 },
      '`clockToleranceSec` must be a non-negative number of seconds (default 5); got -1.',
    ],
    [
      'an empty token field',
      { ...base, secret: SECRET, algorithms: ['HS256'], tokenField: '' },
      '`tokenField` must be a non-empty string; got a string.',
    ],
  ])('rejects %s with a TypeError naming the option', (_name, options, message) => {
    let thrown: unknown
    try {
      jwtAuthenticator(options as never)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect((thrown as TypeError).message).toBe(`jwtAuthenticator(): ${message}`)
  })
})
