/**
 * jose (46 modules, ~0.8 MB of heap) is loaded at the first JWT sign-in, not when the package
 * is imported: an app that only mounts the routers and the middleware never loads it.
 */
import { describe, expect, it, vi } from 'vitest'

const jose = vi.hoisted(() => ({ loads: 0 }))
vi.mock('jose', async (importOriginal) => {
  jose.loads++
  return await importOriginal()
})

describe('jose is loaded lazily', () => {
  it('importing the package and building an authenticator loads no jose; the first sign-in does, once', async () => {
    const { jwtAuthenticator } = await import('instant-express-auth')
    const authenticate = jwtAuthenticator({
      secret: 'x'.repeat(32),
      algorithms: ['HS256'],
      issuer: 'https://issuer.example',
      audience: 'app',
    })
    expect(jose.loads).toBe(0)
    const body = { token: 'not-a-jwt' }
    await expect(authenticate({ body } as never)).rejects.toMatchObject({
      code: 'invalid_credentials',
    })
    await expect(authenticate({ body } as never)).rejects.toMatchObject({
      code: 'invalid_credentials',
    })
    expect(jose.loads).toBe(1)
  })
})
