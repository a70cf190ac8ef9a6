import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  CREATED_AT_RE,
  linkGuestToAccount,
  localInstants,
  post,
  rejectionOf,
  UUID_RE,
} from './helpers.js'

const { start } = localInstants()
afterEach(() => {
  vi.useRealTimers()
})

describe('guests', () => {
  it('admin sign_in_guest creates a guest with type "guest" and isGuest true', async () => {
    const { local, db } = await start()
    const res = await post(
      local,
      `/admin/sign_in_guest?app_id=${local.appId}`,
      {},
      {
        'app-id': local.appId,
        authorization: `Bearer ${local.adminToken}`,
      },
    )
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      user: {
        app_id: local.appId,
        id: expect.stringMatching(UUID_RE),
        type: 'guest',
        created_at: expect.stringMatching(CREATED_AT_RE),
        isGuest: true,
        refresh_token: expect.stringMatching(UUID_RE),
      },
    })
    const user = await db.auth.verifyToken(res.body.user.refresh_token)
    expect(user.isGuest).toBe(true)
  })

  it('verifying a code with a guest refresh-token upgrades the guest (same id, type user)', async () => {
    const { local, db } = await start()
    const guest = (await post(local, '/runtime/auth/sign_in_guest', { 'app-id': local.appId })).body
      .user
    const { code } = await db.auth.generateMagicCode('up@example.com')
    const res = await post(local, '/runtime/auth/verify_magic_code', {
      'app-id': local.appId,
      email: 'up@example.com',
      code,
      'refresh-token': guest.refresh_token,
    })
    expect(res.status).toBe(200)
    expect(res.body.created).toBe(true)
    expect(res.body.user).toEqual({
      app_id: local.appId,
      id: guest.id,
      email: 'up@example.com',
      type: 'user',
      created_at: guest.created_at,
      isGuest: false,
      refresh_token: expect.stringMatching(UUID_RE),
    })
    // The guest's own token now belongs to the upgraded user.
    expect((await db.auth.verifyToken(guest.refresh_token)).email).toBe('up@example.com')
  })

  it('a guest signing in to an existing account gets linked via linkedPrimaryUser', async () => {
    const { local, db } = await start()
    const { main, guest, verified: res } = await linkGuestToAccount(local, db, 'main@example.com')
    expect(res.status).toBe(200)
    expect(res.body.created).toBe(false)
    expect(res.body.user.id).toBe(main.id)
    expect(await db.auth.getUser({ id: guest.id })).toEqual({
      app_id: local.appId,
      id: guest.id,
      type: 'guest',
      linkedPrimaryUser: main.id,
      created_at: guest.created_at,
      isGuest: true,
    })
    // Deleting the primary user takes its linked guests along.
    await db.auth.deleteUser({ id: main.id })
    expect(await db.auth.getUser({ id: guest.id })).toBeNull()
  })

  it('an unknown guest refresh-token on verify is record-not-found app-user', async () => {
    const { local, db } = await start()
    const { code } = await db.auth.generateMagicCode('g@example.com')
    const token = '12345678-1234-4234-8234-123456789abc'
    const res = await post(local, '/runtime/auth/verify_magic_code', {
      'app-id': local.appId,
      email: 'g@example.com',
      code,
      'refresh-token': token,
    })
    expect(res).toEqual({
      status: 400,
      body: {
        type: 'record-not-found',
        message: 'Record not found: app-user',
        hint: {
          'record-type': 'app-user',
          args: [{ 'app-id': local.appId, 'refresh-token': token }],
        },
      },
    })
  })
})

describe('extra-fields', () => {
  const schema = { entities: { $users: { attrs: { nickname: {} } } } }

  it('admin createToken stores custom $users attrs; unknown and system fields are rejected', async () => {
    const { local, db } = await start({ schema })
    const headers = { 'app-id': local.appId, authorization: `Bearer ${local.adminToken}` }
    const createToken = (email: string, extraFields: Record<string, unknown>) =>
      post(local, '/admin/refresh_tokens', { email, 'extra-fields': extraFields }, headers)
    const ok = await createToken('n@example.com', { nickname: 'nn' })
    expect(ok.status).toBe(200)
    expect(ok.body.created).toBe(true)
    expect(ok.body.user.nickname).toBe('nn')
    expect(((await db.auth.getUser({ email: 'n@example.com' })) as any).nickname).toBe('nn')

    const unknown = await createToken('u@example.com', { color: 'red' })
    expect(unknown.status).toBe(400)
    expect(unknown.body.type).toBe('validation-failed')
    expect(unknown.body.message).toBe(
      'Validation failed for extra-fields: Unknown field: color. It must be defined in your $users schema.',
    )
    const system = await createToken('s@example.com', { type: 'admin' })
    expect(system.body.message).toBe(
      'Validation failed for extra-fields: Cannot set system field: type',
    )
  })

  it('runtime signup with extra-fields needs an explicit $users create rule', async () => {
    const { local, db } = await start({ schema })
    const { code } = await db.auth.generateMagicCode('rt@example.com')
    const body = {
      'app-id': local.appId,
      email: 'rt@example.com',
      code,
      'extra-fields': { nickname: 'x' },
    }
    const denied = await post(local, '/runtime/auth/verify_magic_code', body)
    expect(denied).toEqual({
      status: 400,
      body: {
        type: 'permission-denied',
        message: 'Permission denied: not perms-pass?',
        // No rule ran: extra fields need an explicit create rule.
        hint: {
          input: ['$users', 'create'],
          expected: 'perms-pass?',
          etype: '$users',
          action: 'create',
        },
      },
    })
    // The check runs before the code is consumed, so the same code still works once allowed.
    local.setRules({ $users: { allow: { create: 'true' } } })
    const ok = await post(local, '/runtime/auth/verify_magic_code', body)
    expect(ok.status).toBe(200)
    expect(ok.body.user.nickname).toBe('x')
  })
})

describe('expiry and limits', () => {
  it('an expired code is record-expired and consumed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    const { db } = await start({ magicCodeExpiryMinutes: 10 })
    const { code } = await db.auth.generateMagicCode('exp@example.com')
    vi.setSystemTime(new Date('2026-01-01T00:10:01Z'))
    const err = await rejectionOf(db.auth.checkMagicCode('exp@example.com', code))
    expect(err.status).toBe(400)
    expect(err.body.type).toBe('record-expired')
    expect(err.body.message).toBe('Record expired: app-user-magic-code')
    const again = await rejectionOf(db.auth.checkMagicCode('exp@example.com', code))
    expect(again.body.type).toBe('record-not-found')
  })

  it('a code inside its lifetime works; created_at is second-precision UTC', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-01-01T00:00:00.789Z'))
    const { db } = await start({ magicCodeExpiryMinutes: 10 })
    const { code } = await db.auth.generateMagicCode('ok@example.com')
    vi.setSystemTime(new Date('2026-01-01T00:09:59Z'))
    const { user }: any = await db.auth.checkMagicCode('ok@example.com', code)
    expect(user.created_at).toBe('2026-01-01T00:09:59Z')
  })

  it('sends are limited per email per hour (admin and runtime share the count): 429 rate-limited', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
    const { local, db } = await start({ magicCodeSendsPerHour: 2 })
    await db.auth.sendMagicCode('rl@example.com')
    expect(
      (
        await post(local, '/runtime/auth/send_magic_code', {
          'app-id': local.appId,
          email: 'RL@example.com',
        })
      ).status,
    ).toBe(200)
    const err = await rejectionOf(db.auth.sendMagicCode('rl@example.com'))
    expect(err.status).toBe(429)
    expect(err.body).toEqual({
      type: 'rate-limited',
      message: 'Too many verification codes requested for this email. Please try again later.',
    })
    expect(local.mailbox.list()).toHaveLength(2)
    // Other emails are unaffected; generateMagicCode is never limited.
    await db.auth.sendMagicCode('other@example.com')
    await db.auth.generateMagicCode('rl@example.com')
    vi.setSystemTime(new Date('2026-01-01T01:00:00Z'))
    await db.auth.sendMagicCode('rl@example.com')
  })

  it('verification attempts are limited per email per hour', async () => {
    const { db } = await start({ magicCodeVerifiesPerHour: 3 })
    for (let i = 0; i < 3; i++) {
      const err = await rejectionOf(db.auth.checkMagicCode('brute@example.com', '000000'))
      expect(err.body.type).toBe('record-not-found')
    }
    const { code } = await db.auth.generateMagicCode('brute@example.com')
    const limited = await rejectionOf(db.auth.checkMagicCode('brute@example.com', code))
    expect(limited.status).toBe(429)
    expect(limited.body.type).toBe('rate-limited')
  })
})
