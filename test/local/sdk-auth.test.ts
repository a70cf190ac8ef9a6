import { init } from '@instantdb/admin'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startLocalInstant, type LocalInstant } from 'instant-express-auth/local'
import { captureLogger, CREATED_AT_RE, recordNotFound, rejectionOf, UUID_RE } from './helpers.js'

const log = captureLogger()
let local: LocalInstant
let db: ReturnType<typeof init>

beforeAll(async () => {
  local = await startLocalInstant({ logger: log })
  db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
})
afterAll(async () => {
  await local.close()
})
beforeEach(() => local.mailbox.clear())

describe('createToken / verifyToken', () => {
  it('creates the user on first use, without a type, and mints a new token each time', async () => {
    const t1 = await db.auth.createToken({ email: '  Alyssa@Example.COM ' })
    const t2 = await db.auth.createToken({ email: 'alyssa@example.com' })
    expect(t1).toMatch(UUID_RE)
    expect(t2).toMatch(UUID_RE)
    expect(t2).not.toBe(t1)
    const u1 = await db.auth.verifyToken(t1)
    const u2 = await db.auth.verifyToken(t2)
    expect(u1).toEqual({
      app_id: local.appId,
      id: expect.stringMatching(UUID_RE),
      email: 'alyssa@example.com',
      created_at: expect.stringMatching(CREATED_AT_RE),
      isGuest: false,
      refresh_token: t1,
    })
    expect(u1.type).toBeUndefined()
    expect(u2.id).toBe(u1.id)
    expect(u2.refresh_token).toBe(t2)
  })

  it('creates by id with that id and no email', async () => {
    const id = '6f1c9a52-2b7e-4c55-9c0a-8d7f3b2a1e00'
    const token = await db.auth.createToken({ id })
    const user = await db.auth.verifyToken(token)
    expect(user).toEqual({
      app_id: local.appId,
      id,
      created_at: expect.stringMatching(CREATED_AT_RE),
      isGuest: false,
      refresh_token: token,
    })
  })

  it('rejects a bad email and an empty input like Instant', async () => {
    const bad = await rejectionOf(db.auth.createToken({ email: 'not an email' }))
    expect(bad.status).toBe(400)
    expect(bad.body.type).toBe('param-malformed')
    expect(bad.body.hint).toEqual({ in: ['body', 'email'], 'original-input': 'not an email' })
    const none = await rejectionOf(db.auth.createToken({} as { email: string }))
    expect(none.status).toBe(400)
    expect(none.body.type).toBe('validation-failed')
    expect(none.body.message).toBe('Validation failed for body: Please provide an `email` or `id`')
  })

  it('verifyToken throws record-not-found for an unknown token and param-malformed for junk', async () => {
    const unknown = '0b4f5a52-9a3c-4e1e-8f1f-2a3b4c5d6e7f'
    const err = await rejectionOf(db.auth.verifyToken(unknown))
    expect(err.status).toBe(400)
    expect(err.body).toEqual(
      recordNotFound('app-user', { 'app-id': local.appId, 'refresh-token': unknown }),
    )
    const junk = await rejectionOf(db.auth.verifyToken('nope'))
    expect(junk.status).toBe(400)
    expect(junk.body.type).toBe('param-malformed')
    expect(junk.body.hint).toEqual({ in: ['body', 'refresh-token'], 'original-input': 'nope' })
  })
})

describe('admin credentials', () => {
  it('a wrong admin token is 400 record-not-found app-admin-token with Instant hint', async () => {
    const wrong = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'
    const other = init({ appId: local.appId, adminToken: wrong, apiURI: local.apiURI })
    const err = await rejectionOf(other.auth.createToken({ email: 'x@example.com' }))
    expect(err.status).toBe(400)
    expect(err.body).toEqual(
      recordNotFound(
        'app-admin-token',
        { 'app-id': local.appId, token: wrong },
        {
          message:
            'This admin token may be expired or invalid. Or you may have provided an incorrect app ID.',
        },
      ),
    )
  })

  it('a right token for another app id is also record-not-found', async () => {
    const otherApp = 'aaaaaaaa-bbbb-4ccc-8ddd-000000000000'
    const other = init({ appId: otherApp, adminToken: local.adminToken, apiURI: local.apiURI })
    const err = await rejectionOf(other.auth.getUser({ email: 'x@example.com' }))
    expect(err.status).toBe(400)
    expect(err.body.hint['record-type']).toBe('app-admin-token')
    expect(err.body.hint.args).toEqual([{ 'app-id': otherApp, token: local.adminToken }])
  })

  it('a malformed admin token is param-malformed', async () => {
    const other = init({ appId: local.appId, adminToken: 'secret', apiURI: local.apiURI })
    const err = await rejectionOf(other.auth.generateMagicCode('x@example.com'))
    expect(err.status).toBe(400)
    expect(err.body).toEqual({
      type: 'param-malformed',
      message: 'Malformed parameter: ["headers" "authorization"]',
      hint: { in: ['headers', 'authorization'], 'original-input': 'Bearer secret' },
    })
  })
})

describe('magic codes', () => {
  it('generateMagicCode returns 6 digits and puts the code in the mailbox and log too', async () => {
    const before = log.lines.length
    const { code } = await db.auth.generateMagicCode('gen@example.com')
    expect(code).toMatch(/^\d{6}$/)
    expect(local.mailbox.list()).toEqual([
      { email: 'gen@example.com', code, sentAt: expect.any(Number) },
    ])
    expect(log.lines.slice(before)).toEqual([
      `[instant-local] Magic code for gen@example.com (generated for your app, which emails it): ${code}`,
    ])
    local.mailbox.clear()
  })

  it('sendMagicCode delivers to the mailbox and logs one line with the code', async () => {
    const before = log.lines.length
    const { code } = await db.auth.sendMagicCode('Send@Example.com')
    expect(local.mailbox.list()).toEqual([
      { email: 'send@example.com', code, sentAt: expect.any(Number) },
    ])
    expect(local.mailbox.lastCodeFor('SEND@example.com ')).toBe(code)
    expect(log.lines.slice(before)).toEqual([
      `[instant-local] Magic code for send@example.com: ${code}`,
    ])
  })

  it('checkMagicCode creates a "user", codes are single-use, only the latest one verifies', async () => {
    const email = 'codes@example.com'
    const { code: c1 } = await db.auth.generateMagicCode(email)
    const { code: c2 } = await db.auth.generateMagicCode(email)
    // Instant keeps every code valid for 24 h; Local Instant keeps only the latest (issue 11).
    const older = await rejectionOf(db.auth.checkMagicCode(email, c1))
    expect(older.status).toBe(400)
    expect(older.body).toEqual(
      recordNotFound('app-user-magic-code', { 'app-id': local.appId, code: c1, email }),
    )
    const first = await db.auth.checkMagicCode(email, c2)
    expect(first.created).toBe(true)
    expect(first.user).toEqual({
      app_id: local.appId,
      id: expect.stringMatching(UUID_RE),
      email,
      type: 'user',
      created_at: expect.stringMatching(CREATED_AT_RE),
      isGuest: false,
      refresh_token: expect.stringMatching(UUID_RE),
    })
    const { code: c3 } = await db.auth.generateMagicCode(email)
    const second = await db.auth.checkMagicCode(email, c3)
    expect(second.created).toBe(false)
    expect(second.user.id).toBe(first.user.id)
    expect(second.user.refresh_token).not.toBe(first.user.refresh_token)

    const reused = await rejectionOf(db.auth.checkMagicCode(email, c3))
    expect(reused.status).toBe(400)
    expect(reused.body).toEqual(
      recordNotFound('app-user-magic-code', { 'app-id': local.appId, code: c3, email }),
    )
  })

  it('a code for another email does not work', async () => {
    const { code } = await db.auth.generateMagicCode('owner@example.com')
    const err = await rejectionOf(db.auth.checkMagicCode('thief@example.com', code))
    expect(err.body.type).toBe('record-not-found')
    expect(err.body.hint['record-type']).toBe('app-user-magic-code')
    expect((await db.auth.checkMagicCode('owner@example.com', code)).created).toBe(true)
  })

  it('the deprecated verifyMagicCode returns the user', async () => {
    const { code } = await db.auth.generateMagicCode('old@example.com')
    const user = await db.auth.verifyMagicCode('old@example.com', code)
    expect(user.email).toBe('old@example.com')
    expect(user.refresh_token).toMatch(UUID_RE)
  })
})

describe('getUser / deleteUser / signOut', () => {
  it('getUser by email, id and refresh_token, null when unknown, never with refresh_token', async () => {
    const token = await db.auth.createToken({ email: 'get@example.com' })
    const byEmail: any = await db.auth.getUser({ email: 'GET@example.com' })
    expect(byEmail).toEqual({
      app_id: local.appId,
      id: expect.stringMatching(UUID_RE),
      email: 'get@example.com',
      created_at: expect.stringMatching(CREATED_AT_RE),
      isGuest: false,
    })
    expect(await db.auth.getUser({ id: byEmail.id })).toEqual(byEmail)
    expect(await db.auth.getUser({ refresh_token: token })).toEqual(byEmail)
    expect(await db.auth.getUser({ email: 'nobody@example.com' })).toBeNull()
    const bad = await rejectionOf(db.auth.getUser({ id: 'nope' }))
    expect(bad.status).toBe(400)
    expect(bad.body.type).toBe('param-malformed')
    expect(bad.body.hint).toEqual({ in: ['params', 'id'], 'original-input': 'nope' })
  })

  it('signOut by refresh_token ends one session; by email all of them', async () => {
    const email = 'out@example.com'
    const t1 = await db.auth.createToken({ email })
    const t2 = await db.auth.createToken({ email })
    const t3 = await db.auth.createToken({ email })
    await db.auth.signOut({ refresh_token: t1 })
    expect((await rejectionOf(db.auth.verifyToken(t1))).body.type).toBe('record-not-found')
    expect((await db.auth.verifyToken(t2)).email).toBe(email)
    await db.auth.signOut({ refresh_token: t1 }) // unknown token: no-op
    await db.auth.signOut({ email })
    expect((await rejectionOf(db.auth.verifyToken(t2))).status).toBe(400)
    expect((await rejectionOf(db.auth.verifyToken(t3))).status).toBe(400)
  })

  it('signOut by id ends all sessions; an unknown id is a no-op; an unknown email is not', async () => {
    const token = await db.auth.createToken({ email: 'outid@example.com' })
    const { id } = await db.auth.verifyToken(token)
    await db.auth.signOut({ id })
    expect((await rejectionOf(db.auth.verifyToken(token))).status).toBe(400)
    await db.auth.signOut({ id: '11111111-2222-4333-8444-555555555555' })
    const err = await rejectionOf(db.auth.signOut({ email: 'ghost@example.com' }))
    expect(err.status).toBe(400)
    expect(err.body).toEqual(
      recordNotFound('app-user', { 'app-id': local.appId, email: 'ghost@example.com' }),
    )
  })

  it('deleteUser returns the deleted user, removes its tokens, and null when unknown', async () => {
    const token = await db.auth.createToken({ email: 'del@example.com' })
    const user: any = await db.auth.getUser({ email: 'del@example.com' })
    const deleted = await db.auth.deleteUser({ refresh_token: token })
    expect(deleted).toEqual(user)
    expect(await db.auth.getUser({ id: user.id })).toBeNull()
    expect((await rejectionOf(db.auth.verifyToken(token))).body.type).toBe('record-not-found')
    expect(await db.auth.deleteUser({ email: 'del@example.com' })).toBeNull()
  })
})
