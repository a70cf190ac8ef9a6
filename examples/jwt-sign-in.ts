/**
 * Use case 6: sign in with a JWT from another identity provider (Auth0, Clerk, Cognito,
 * Firebase, your own). `jwtAuthenticator` checks the token against the provider's JWKS
 * (signature, `iss`, `aud`, `exp`, `email_verified`) and signs in as its email.
 *
 *   POST /sign-in { token: "<JWT>" }  (or Authorization: Bearer <JWT>)  -> { token }
 *
 * Run on its own, it plays the identity provider too: a key generated at start-up and its
 * JWKS served on loopback, then prints a curl command with a freshly signed token.
 */
import express from 'express'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import {
  checkInstant,
  jwtAuthenticator,
  signInRouter,
  type InstantAuthDb,
} from 'instant-express-auth'
import { init } from 'instant-express-auth/admin'

export interface IdentityProviderConfig {
  jwksUri: string
  issuer: string
  audience: string
}

export function createApp({
  db,
  identity,
}: {
  db: InstantAuthDb
  identity: IdentityProviderConfig
}) {
  const app = express()
  app.use(
    signInRouter({
      db,
      authenticate: jwtAuthenticator({ ...identity, algorithms: ['ES256'] }),
    }),
  )
  return app
}

/** A stand-in identity provider: an ES256 key and its JWKS on 127.0.0.1. */
export async function startLocalIdentityProvider() {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid: 'demo', alg: 'ES256', use: 'sig' }],
  })
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const config: IdentityProviderConfig = {
    jwksUri: `${origin}/.well-known/jwks.json`,
    issuer: `${origin}/`,
    audience: 'my-express-app',
  }
  return {
    config,
    /** Signs an ID token for `email`, as the provider would after its own login. */
    signToken(email: string, claims: Record<string, unknown> = {}) {
      const { issuer: iss, audience: aud } = config
      return new SignJWT({ iss, aud, sub: email, email, email_verified: true, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'demo' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey)
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const db = init({
    appId: process.env.INSTANT_APP_ID!, // `npx instant-local` prints these three
    adminToken: process.env.INSTANT_APP_ADMIN_TOKEN,
    apiURI: process.env.INSTANT_API_URI,
  })
  await checkInstant(db) // at startup: fails naming the wrong setting, never a secret
  const provider = await startLocalIdentityProvider()
  const port = Number(process.env.PORT ?? 3000)
  const jwt = await provider.signToken('alice@example.com')
  createApp({ db, identity: provider.config }).listen(port, () => {
    console.log(`Listening on http://localhost:${port}; try:`)
    console.log(
      `curl -H 'content-type: application/json' -d '{"token":"${jwt}"}' http://localhost:${port}/sign-in`,
    )
  })
}
