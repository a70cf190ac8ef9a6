/**
 * Runtime signup runs `$users.allow.create` as a real CEL rule (Instant's `assert-signup!`):
 * `auth`, `data` and `newData` are the user about to be created, `{ id, email?, ...extra }`.
 */
import { describe, expect, it } from 'vitest'
import type { LocalInstant } from 'instant-express-auth/local'
import { localInstants, post } from './helpers.js'

const { start } = localInstants()
const schema = { entities: { $users: { attrs: { nickname: {} } } } }

/** Runtime verify_magic_code; `more` adds `extra-fields` or a guest's `refresh-token`. */
function verify(local: LocalInstant, email: string, code: string, more: object = {}) {
  return post(local, '/runtime/auth/verify_magic_code', {
    'app-id': local.appId,
    email,
    code,
    ...more,
  })
}

function guest(local: LocalInstant, extra?: unknown) {
  const body: Record<string, unknown> = { 'app-id': local.appId }
  if (extra !== undefined) body['extra-fields'] = extra
  return post(local, '/runtime/auth/sign_in_guest', body)
}

const DENIED = {
  status: 400,
  body: {
    type: 'permission-denied',
    message: 'Permission denied: not perms-pass?',
    // Local Instant's hint also names what denied; each test's rule is its own.
    hint: expect.objectContaining({
      input: ['$users', 'create'],
      expected: 'perms-pass?',
      etype: '$users',
      action: 'create',
      'rule-path': ['$users', 'allow', 'create'],
    }),
  },
}

describe('$users.allow.create on runtime signup', () => {
  it('evaluates the expression against the new user (data.email)', async () => {
    const { local, db } = await start({
      rules: { $users: { allow: { create: "data.email.endsWith('@example.com')" } } },
    })
    const outside = (await db.auth.generateMagicCode('eve@evil.test')).code
    expect(await verify(local, 'eve@evil.test', outside)).toEqual(DENIED)
    const inside = (await db.auth.generateMagicCode('amy@example.com')).code
    const ok = await verify(local, 'amy@example.com', inside)
    expect(ok.status).toBe(200)
    expect(ok.body.created).toBe(true)
    // A refused signup does not burn the code: it works once the rule allows it.
    local.setRules({ $users: { allow: { create: 'true' } } })
    expect((await verify(local, 'eve@evil.test', outside)).status).toBe(200)
  })

  it('sees extra-fields in newData and auth, and binds work', async () => {
    const { local } = await start({
      schema,
      rules: {
        $users: {
          allow: { create: 'hasNick && auth.nickname == newData.nickname' },
          bind: ['hasNick', "newData.nickname != null && newData.nickname != ''"],
        },
      },
    })
    expect(await guest(local)).toEqual(DENIED)
    expect(await guest(local, { nickname: '' })).toEqual(DENIED)
    const ok = await guest(local, { nickname: 'ned' })
    expect(ok.status).toBe(200)
    expect(ok.body.user).toMatchObject({ type: 'guest', nickname: 'ned', isGuest: true })
  })

  it('data.id is the id the user will get (a guest upgrading keeps its id)', async () => {
    const { local, db } = await start()
    const g = (await guest(local)).body.user
    local.setRules({ $users: { allow: { create: `data.id == '${g.id}'` } } })
    const { code } = await db.auth.generateMagicCode('up@example.com')
    const res = await verify(local, 'up@example.com', code, { 'refresh-token': g.refresh_token })
    expect(res.status).toBe(200)
    expect(res.body.user.id).toBe(g.id)
    // Anyone else gets another id, so the same rule refuses them.
    const other = (await db.auth.generateMagicCode('new@example.com')).code
    expect(await verify(local, 'new@example.com', other)).toEqual(DENIED)
  })

  it('only $users.allow.create counts: $default rules do not apply to signup', async () => {
    const { local, db } = await start({
      rules: { $default: { allow: { $default: 'false', create: 'false' } } },
    })
    const { code } = await db.auth.generateMagicCode('d@example.com')
    expect((await verify(local, 'd@example.com', code)).status).toBe(200)
    expect((await guest(local)).status).toBe(200)
  })

  it('a rule that fails while running is permission-evaluation-failed', async () => {
    const { local } = await start({
      rules: { $users: { allow: { create: 'data.email.size() > 3' } } },
    })
    const res = await guest(local) // a guest has no email: null.size() cannot run
    expect(res.status).toBe(400)
    expect(res.body.type).toBe('permission-evaluation-failed')
  })

  it('admin routes skip the rule but still validate extra-fields', async () => {
    const { local, db } = await start({ schema, rules: { $users: { allow: { create: 'false' } } } })
    const { code } = await db.auth.generateMagicCode('adm@example.com')
    const { user }: any = await db.auth.checkMagicCode('adm@example.com', code)
    expect(user.email).toBe('adm@example.com')
    const headers = { 'app-id': local.appId, authorization: `Bearer ${local.adminToken}` }
    const bad = await post(
      local,
      '/admin/sign_in_guest',
      { 'extra-fields': { isGuest: false } },
      headers,
    )
    expect(bad.body.message).toBe(
      'Validation failed for extra-fields: Unknown field: isGuest. It must be defined in your $users schema.',
    )
  })
})

describe('extra-fields are checked against the app attributes, as Instant does', () => {
  it('without a schema, a field is unknown until a $users attribute exists', async () => {
    const { local, db } = await start({ rules: { $users: { allow: { create: 'true' } } } })
    const unknown = await guest(local, { nickname: 'n' })
    expect(unknown.status).toBe(400)
    expect(unknown.body.message).toBe(
      'Validation failed for extra-fields: Unknown field: nickname. It must be defined in your $users schema.',
    )
    // An admin transaction that writes the attribute creates it, as on Instant.
    await db.auth.createToken({ email: 'seed@example.com' })
    const seed: any = await db.auth.getUser({ email: 'seed@example.com' })
    await db.transact((db.tx as any).$users[seed.id].update({ nickname: 'seed' }))
    const ok = await guest(local, { nickname: 'n' })
    expect(ok.status).toBe(200)
    expect(ok.body.user.nickname).toBe('n')
  })

  it('system fields are refused, linkedPrimaryUser included', async () => {
    const { local } = await start()
    for (const field of ['email', 'type', 'imageURL', 'linkedPrimaryUser']) {
      const res = await guest(local, { [field]: 'x' })
      expect(res.body.message).toBe(
        `Validation failed for extra-fields: Cannot set system field: ${field}`,
      )
    }
  })
})
