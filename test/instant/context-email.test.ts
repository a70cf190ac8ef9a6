import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createInstantContext } from '../../src/instant/instant-context.js'
import { emailDomain, normalizeEmail } from '../../src/http/email-address.js'
import { createHash, createSecretKey, randomBytes } from 'node:crypto'
import {
  clientRateLimitKey,
  emailRateLimitKey,
  ipRateLimitKey,
} from '../../src/http/rate-limit-keys.js'
import { publicUser, type InstantAuthDb } from '../../src/instant/instant-db.js'

const TOKEN = '11111111-1111-4111-8111-111111111111'
const ADMIN = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'

describe('createInstantContext', () => {
  const scoped = { config: { adminToken: ADMIN }, token: TOKEN }
  let asUserCalls = 0
  const db = {
    asUser: ({ token }: { token: string }) => {
      asUserCalls++
      return { ...scoped, token }
    },
    auth: {},
  } as unknown as InstantAuthDb
  const context = createInstantContext(
    publicUser({ id: 'u1', email: 'a@b.co', refresh_token: TOKEN }),
    TOKEN,
    db,
  )

  it('exposes user, token and a lazily created scoped db', () => {
    expect(context.user).toEqual({ id: 'u1', email: 'a@b.co' })
    expect(context.token).toBe(TOKEN)
    expect(asUserCalls).toBe(0)
    expect(context.db).toBe(context.db)
    expect(asUserCalls).toBe(1)
  })

  it('never enumerates, serialises or inspects the token or the db', () => {
    expect(Object.keys(context)).toEqual(['user'])
    expect(JSON.stringify(context)).toBe('{"user":{"id":"u1","email":"a@b.co"}}')
    const shown = inspect(context, { depth: 10, showHidden: true, getters: true })
    expect(shown).not.toContain(TOKEN)
    expect(shown).not.toContain(ADMIN)
    expect(JSON.stringify({ req: { instant: context } })).not.toContain(TOKEN)
  })
})

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Alyssa@Example.COM ')).toBe('alyssa@example.com')
  })
  it('rejects non-addresses', () => {
    for (const bad of [
      undefined,
      42,
      '',
      'no-at',
      'a@b',
      'a b@c.de',
      'a@\nb.co',
      'x'.repeat(250) + '@b.co',
    ]) {
      expect(normalizeEmail(bad)).toBeUndefined()
    }
  })
  it('gives the domain for events', () => {
    expect(emailDomain('a@b.co')).toBe('b.co')
  })
  it("rate-limit keys are HMACs of the email and IP under the router's key, never a plain hash", () => {
    const secret = createSecretKey(randomBytes(32))
    const key = emailRateLimitKey(secret, 'send-email', 'a@b.co')
    expect(key).toMatch(/^iea:send-email:e:[\w-]{32}$/)
    expect(key).not.toContain('a@b.co')
    expect(key).not.toContain(
      createHash('sha256').update('a@b.co').digest('base64url').slice(0, 32),
    )
    expect(emailRateLimitKey(secret, 'send-email', 'a@b.co')).toBe(key)
    expect(emailRateLimitKey(createSecretKey(randomBytes(32)), 'send-email', 'a@b.co')).not.toBe(
      key,
    )
    const ip = ipRateLimitKey(secret, 'send-ip', '10.0.0.1')
    expect(ip).toMatch(/^iea:send-ip:ip:[\w-]{32}$/)
    expect(clientRateLimitKey(secret, 'verify-client', 'a@b.co', '10.0.0.1')).toMatch(
      /^iea:verify-client:c:[\w-]{32}$/,
    )
  })
})
