import type { IncomingMessage } from 'node:http'
import { describe, expectTypeOf, it } from 'vitest'
import { jwtAuthenticator } from '../../src/sign-in/index.js'

const base = { issuer: 'https://id.test/', audience: 'app' }

describe('jwtAuthenticator types', () => {
  it('returns authenticate(req) answering { email }', () => {
    const authenticate = jwtAuthenticator({ ...base, secret: 's', algorithms: ['HS256'] })
    expectTypeOf(authenticate).returns.resolves.toEqualTypeOf<{ email: string }>()
    // What signInRouter hands `authenticate`: a Node request with a parsed body.
    type SignInRequest = IncomingMessage & { body: Record<string, unknown> }
    expectTypeOf(authenticate).toExtend<(req: SignInRequest) => Promise<{ email: string } | null>>()
  })

  it('takes a spread config plus algorithms', () => {
    const identity: { jwksUri: string; issuer: string; audience: string } = {
      jwksUri: 'https://id.test/jwks',
      issuer: 'https://id.test/',
      audience: 'app',
    }
    expectTypeOf(jwtAuthenticator({ ...identity, algorithms: ['ES256'] })).toBeFunction()
  })

  it('takes exactly one key source, with matching algorithms', () => {
    // @ts-expect-error two key sources
    jwtAuthenticator({
      ...base,
      secret: 's',
      jwksUri: 'https://id.test/jwks',
      algorithms: ['HS256'],
    })
    // @ts-expect-error an RSA algorithm with a secret
    jwtAuthenticator({ ...base, secret: 's', algorithms: ['RS256'] })
    // @ts-expect-error an HMAC algorithm with a JWKS
    jwtAuthenticator({ ...base, jwksUri: 'https://id.test/jwks', algorithms: ['HS256'] })
    // @ts-expect-error algorithms is required
    jwtAuthenticator({ ...base, jwksUri: 'https://id.test/jwks' })
    // @ts-expect-error audience is required
    jwtAuthenticator({ issuer: 'x', jwksUri: 'https://id.test/jwks', algorithms: ['RS256'] })
  })
})
