/**
 * `jwtAuthenticator` end to end: a JWT from "another identity provider" (keys made per run, a
 * JWKS served over HTTP) signs in through `signInRouter` against a real Local Instant.
 */
import { createServer, type Server } from 'node:http'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signInRouter } from '../../src/index.js'
import { jwtAuthenticator } from '../../src/sign-in/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import {
  FRAMEWORKS,
  close,
  createApp,
  listen,
  makeDb,
  recordingLogger,
  useLocalInstant,
  type Framework,
} from '../helpers.js'

const localInstant = useLocalInstant()

const ISSUER = 'https://id.example.test/'
const AUDIENCE = 'instant-express-auth-e2e'
const KID = 'e2e-rsa-1'

const PROBLEM_401 = {
  type: 'urn:instant-express-auth:error:invalid_credentials',
  title: 'Invalid credentials',
  status: 401,
  detail: 'Sign-in failed.',
  code: 'invalid_credentials',
}
const PROBLEM_503 = {
  type: 'urn:instant-express-auth:error:auth_unavailable',
  title: 'Authentication unavailable',
  status: 503,
  detail: 'The authentication backend is unavailable; try again shortly.',
  code: 'auth_unavailable',
}

let signingKey: CryptoKey
let strangerKey: CryptoKey
let jwksServer: Server
let jwksUri: string
let closedJwksUri: string

beforeAll(async () => {
  const pair = await generateKeyPair('RS256')
  signingKey = pair.privateKey
  strangerKey = (await generateKeyPair('RS256')).privateKey
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' }],
  })
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(jwks)
  })
  jwksUri = `${await listen(jwksServer)}/.well-known/jwks.json`
  // A port that was just listening and is now closed: connections are refused.
  const gone = createServer()
  closedJwksUri = `${await listen(gone)}/.well-known/jwks.json`
  await close(gone)
})
afterAll(() => close(jwksServer))

interface SignOptions {
  key?: CryptoKey
  issuer?: string
  audience?: string
  /** Seconds since the epoch. */
  expiresAt?: number
  notBefore?: number
}

const now = (): number => Math.floor(Date.now() / 1000)

function sign(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: KID })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setSubject('idp-user-1')
    .setExpirationTime(options.expiresAt ?? now() + 300)
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore)
  return jwt.sign(options.key ?? signingKey)
}

/** An unsigned token (`alg: none`), built by hand so no library refuses to make it. */
function unsigned(claims: JWTPayload): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + 300,
    ...claims,
  })}.`
}

describe.each(FRAMEWORKS)('jwtAuthenticator through signInRouter on %s', (framework) => {
  let db: InstantAuthDb
  const email = `jwt-${framework}@example.com`
  const claims = { email: ` JWT-${framework}@Example.COM `, email_verified: true }

  beforeAll(() => {
    db = makeDb('ours', localInstant())
  })

  function app(uri: string, logger = recordingLogger()) {
    const kit = createApp(framework as Framework)
    kit.use(
      signInRouter({
        db,
        logger,
        authenticate: jwtAuthenticator({
          jwksUri: uri,
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['RS256'],
        }),
      }),
    )
    return { handler: kit.handler, logger }
  }

  function expectNoSecrets(
    responses: request.Response[],
    logger: ReturnType<typeof recordingLogger>,
    secrets: string[],
  ): void {
    const logged = logger.lines.join('\n')
    for (const secret of secrets) {
      expect(logged).not.toContain(secret)
      for (const res of responses) {
        expect(`${JSON.stringify(res.headers)}\n${res.text}`).not.toContain(secret)
      }
    }
  }

  it('a valid token → 200 { token } that verifies as the JWT email', async () => {
    const { handler, logger } = app(jwksUri)
    const jwt = await sign(claims)
    const res = await request(handler).post('/sign-in').send({ token: jwt }).expect(200)
    expect(Object.keys(res.body)).toEqual(['token'])
    expect(res.headers['cache-control']).toBe('no-store')
    const user = await db.auth.verifyToken(res.body.token as string)
    expect(user.email).toBe(email)
    // The JWT also works from `Authorization: Bearer`.
    const bearer = await request(handler)
      .post('/sign-in')
      .set('authorization', `Bearer ${jwt}`)
      .expect(200)
    expect((await db.auth.verifyToken(bearer.body.token as string)).email).toBe(email)
    expectNoSecrets([res, bearer], logger, [jwt])
    expect(logger.lines).toEqual([])
  })

  it('expired, not yet valid, wrong issuer, audience or key, alg none, unverified email → 401', async () => {
    const { handler, logger } = app(jwksUri)
    const stranger = `refused-${framework}@example.com`
    const claims = { email: stranger, email_verified: true }
    const refused: Record<string, string> = {
      expired: await sign(claims, { expiresAt: now() - 3600 }),
      'not yet valid': await sign(claims, { notBefore: now() + 3600 }),
      'wrong issuer': await sign(claims, { issuer: 'https://evil.example.test/' }),
      'wrong audience': await sign(claims, { audience: 'someone-else' }),
      'wrong key': await sign(claims, { key: strangerKey }),
      'alg none': unsigned(claims),
      'unverified email': await sign({ ...claims, email_verified: false }),
    }
    const responses: request.Response[] = []
    for (const [what, jwt] of Object.entries(refused)) {
      const res = await request(handler).post('/sign-in').send({ token: jwt })
      expect(res.status, what).toBe(401)
      expect(res.headers['content-type'], what).toBe('application/problem+json; charset=utf-8')
      expect(res.body, what).toEqual(PROBLEM_401)
      expect(res.headers['www-authenticate'], what).toBe('Bearer realm="instant"')
      expect(res.headers['cache-control'], what).toBe('no-store')
      responses.push(res)
    }
    expectNoSecrets(responses, logger, Object.values(refused))
    // Nothing was minted: createToken would have created this user.
    expect(await db.auth.getUser({ email: stranger })).toBeNull()
  })

  it('JWKS unreachable → 503 auth_unavailable with Retry-After, not 401', async () => {
    const { handler, logger } = app(closedJwksUri)
    const jwt = await sign(claims)
    const res = await request(handler).post('/sign-in').send({ token: jwt }).expect(503)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(res.headers['retry-after']).toBe('5')
    expect(res.body).toEqual(PROBLEM_503)
    expectNoSecrets([res], logger, [jwt])
  })
})
