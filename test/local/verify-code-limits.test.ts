import { afterEach, describe, expect, it, vi } from 'vitest'
import { startLocalInstant, type LocalInstant } from 'instant-express-auth/local'
import {
  DEFAULT_MAGIC_CODE_ATTEMPTS,
  DEFAULT_MAGIC_CODE_EXPIRY_MINUTES,
  DEFAULT_MAGIC_CODE_VERIFIES_PER_DAY,
} from '../../src/local/options.js'
import { localInstants, post, recordNotFound } from './helpers.js'

const { start } = localInstants()
afterEach(() => {
  vi.useRealTimers()
})

/** The runtime route, as a browser (any guest with the app id) calls it. */
function verify(local: LocalInstant, email: string, code: string) {
  return post(local, '/runtime/auth/verify_magic_code', { 'app-id': local.appId, email, code })
}

/** A six-digit code that is not `code`. */
const wrong = (code: string, n = 0) => String((Number(code) + 1 + n) % 1_000_000).padStart(6, '0')

/** The right code of a burned one answers as an unknown code. */
async function expectBurned(local: LocalInstant, email: string, code: string): Promise<void> {
  const res = await verify(local, email, code)
  expect(res.status).toBe(400)
  expect(res.body).toEqual(
    recordNotFound('app-user-magic-code', { 'app-id': local.appId, code, email }),
  )
}

describe("runtime verify_magic_code: limits equivalent to the kit's", () => {
  it('defaults: 10-minute codes, 5 wrong guesses burn a code, 50 attempts per email per day', () => {
    expect(DEFAULT_MAGIC_CODE_EXPIRY_MINUTES).toBe(10)
    expect(DEFAULT_MAGIC_CODE_ATTEMPTS).toBe(5)
    expect(DEFAULT_MAGIC_CODE_VERIFIES_PER_DAY).toBe(50)
  })

  it('only the latest code of an email verifies', async () => {
    const { local, db } = await start()
    const { code: older } = await db.auth.generateMagicCode('latest@example.com')
    const { code: latest } = await db.auth.generateMagicCode('latest@example.com')
    const res = await verify(local, 'latest@example.com', older)
    if (older !== latest) {
      expect(res.status).toBe(400)
      expect(res.body).toEqual(
        recordNotFound('app-user-magic-code', {
          'app-id': local.appId,
          code: older,
          email: 'latest@example.com',
        }),
      )
      expect((await verify(local, 'latest@example.com', latest)).status).toBe(200)
    }
  })

  it('a sent code is the latest too: the runtime send replaces an earlier one', async () => {
    const { local, db } = await start()
    const { code: generated } = await db.auth.generateMagicCode('send@example.com')
    await post(local, '/runtime/auth/send_magic_code', {
      'app-id': local.appId,
      email: 'send@example.com',
    })
    const sent = local.mailbox.lastCodeFor('send@example.com') as string
    if (sent !== generated) {
      expect((await verify(local, 'send@example.com', generated)).status).toBe(400)
    }
    expect((await verify(local, 'send@example.com', sent)).status).toBe(200)
  })

  it('five wrong guesses burn the code: the right one then fails, a new code works', async () => {
    const { local, db } = await start()
    const { code } = await db.auth.generateMagicCode('burn@example.com')
    for (let i = 0; i < 5; i++) {
      const res = await verify(local, 'burn@example.com', wrong(code, i))
      expect(res.status).toBe(400)
      expect(res.body.type).toBe('record-not-found')
    }
    await expectBurned(local, 'burn@example.com', code)
    const { code: fresh } = await db.auth.generateMagicCode('burn@example.com')
    expect((await verify(local, 'burn@example.com', fresh)).status).toBe(200)
  })

  it('four wrong guesses leave the code valid; other emails do not count', async () => {
    const { local, db } = await start()
    const { code } = await db.auth.generateMagicCode('four@example.com')
    const { code: other } = await db.auth.generateMagicCode('other@example.com')
    for (let i = 0; i < 4; i++) await verify(local, 'four@example.com', wrong(code, i))
    for (let i = 0; i < 5; i++) await verify(local, 'other@example.com', wrong(other, i))
    expect((await verify(local, 'four@example.com', code)).status).toBe(200)
  })

  it("a flood of wrong guesses at other emails never resets a code's count", async () => {
    // With the per-email verify limits off, the attempt count is the only guard on a code; it
    // used to live in a map of `rateLimitMaxKeys` entries whose oldest a flood evicted.
    const { local, db } = await start({
      rateLimitMaxKeys: 2,
      magicCodeVerifiesPerHour: Infinity,
      magicCodeVerifiesPerDay: Infinity,
    })
    const { code } = await db.auth.generateMagicCode('victim@example.com')
    for (let i = 0; i < 4; i++) await verify(local, 'victim@example.com', wrong(code, i))
    for (let n = 0; n < 10; n++) {
      const email = `flood${n}@example.com`
      const { code: other } = await db.auth.generateMagicCode(email)
      expect((await verify(local, email, wrong(other))).body.type).toBe('record-not-found')
    }
    expect((await verify(local, 'victim@example.com', wrong(code, 4))).status).toBe(400)
    await expectBurned(local, 'victim@example.com', code)
  })

  it('the admin route shares the count (the kit verifies through it)', async () => {
    const { local, db } = await start({ magicCodeAttempts: 2 })
    const { code } = await db.auth.generateMagicCode('admin@example.com')
    await verify(local, 'admin@example.com', wrong(code))
    const err = await db.auth.checkMagicCode('admin@example.com', wrong(code, 1)).catch((e) => e)
    expect(err.body.type).toBe('record-not-found')
    const after = await db.auth.checkMagicCode('admin@example.com', code).catch((e) => e)
    expect(after.body.type).toBe('record-not-found')
  })

  it('codes expire after 10 minutes by default', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    const { local, db } = await start()
    const { code } = await db.auth.generateMagicCode('ttl@example.com')
    vi.setSystemTime(new Date('2026-01-01T00:10:01Z'))
    const res = await verify(local, 'ttl@example.com', code)
    expect(res.status).toBe(400)
    expect(res.body.type).toBe('record-expired')
  })

  it('a daily ceiling per email holds across hours', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    const { local } = await start({ magicCodeVerifiesPerDay: 3, magicCodeVerifiesPerHour: 2 })
    expect((await verify(local, 'day@example.com', '000000')).body.type).toBe('record-not-found')
    expect((await verify(local, 'day@example.com', '000000')).body.type).toBe('record-not-found')
    expect((await verify(local, 'day@example.com', '000000')).status).toBe(429)
    vi.setSystemTime(new Date('2026-01-01T01:00:00Z'))
    expect((await verify(local, 'day@example.com', '000000')).body.type).toBe('record-not-found')
    const limited = await verify(local, 'day@example.com', '000000')
    expect(limited.status).toBe(429)
    expect(limited.body).toEqual({
      type: 'rate-limited',
      message: 'Too many verification codes requested for this email. Please try again later.',
    })
    vi.setSystemTime(new Date('2026-01-02T00:00:00Z'))
    expect((await verify(local, 'day@example.com', '000000')).body.type).toBe('record-not-found')
  })

  it('validates the new options', async () => {
    for (const [name, fallback] of [
      ['magicCodeAttempts', 5],
      ['magicCodeVerifiesPerDay', 50],
      ['guestSignInsPerHour', 300],
      ['rateLimitMaxKeys', 100000],
    ] as const) {
      await expect(startLocalInstant({ logger: false, [name]: 0 })).rejects.toThrow(
        new TypeError(
          `startLocalInstant(): \`${name}\` must be a positive integer, or Infinity for no limit (default ${fallback}); got 0.`,
        ),
      )
    }
  })
})
