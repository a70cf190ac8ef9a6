import { describe, expectTypeOf, it } from 'vitest'
import {
  magicCodeRouter,
  requireInstantUser,
  signInRouter,
  signOutRouter,
  type CookieOptions,
  type CookieSetting,
  type InstantAuthDb,
} from '../../src/index.js'

declare const db: InstantAuthDb

describe('cookie session options', () => {
  it('take a name or the full cookie options on every factory', () => {
    const cookie: CookieSetting = { name: '__Host-sid', maxAgeMs: 3_600_000, sameSite: 'strict' }
    requireInstantUser({ db, cookie: 'sid', trustedOrigins: ['https://www.example.com'] })
    signOutRouter({ db, cookie })
    signInRouter({ db, authenticate: () => null, cookie, tokenInBody: false })
    magicCodeRouter({ db, sendEmail: () => {}, cookie: { name: 'sid', secure: false } })
    expectTypeOf<CookieOptions['sameSite']>().toEqualTypeOf<'lax' | 'strict' | undefined>()
  })

  it('refuses SameSite=None, a missing name and tokenInBody where no token is issued', () => {
    // @ts-expect-error SameSite=None would send the session cookie cross-site
    requireInstantUser({ db, cookie: { name: 'sid', sameSite: 'none' } })
    // @ts-expect-error the name is required
    requireInstantUser({ db, cookie: { secure: true } })
    // @ts-expect-error only the routers that issue a token take tokenInBody
    requireInstantUser({ db, cookie: 'sid', tokenInBody: false })
    // @ts-expect-error trustedOrigins is a list of origins
    signOutRouter({ db, cookie: 'sid', trustedOrigins: 'https://www.example.com' })
  })
})
