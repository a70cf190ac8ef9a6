/**
 * `POST /admin/query_perms_check` and `/admin/transact_perms_check`, through the real
 * `@instantdb/admin`'s `debugQuery` / `debugTransact`: check results in Instant's shape, a dry run
 * that writes nothing, `rules-override`, `ip-override` / `origin-override`, admin callers refused.
 */
import { id } from '@instantdb/admin'
import { init } from '../../src/admin/index.js'
import { describe, expect, it } from 'vitest'
import { localInstants, post, rejectionOf } from './helpers.js'

const { start } = localInstants()

const RULES = {
  todos: {
    allow: {
      view: "data.title != 'hidden'",
      create: 'signedIn && newData.title != "bad"',
      update: 'false',
    },
    bind: ['signedIn', 'auth.id != null'],
    fields: { secret: 'signedIn' },
  },
}
const CREATE_CODE = 'cel.bind(signedIn, auth.id != null, signedIn && newData.title != "bad")'

async function setup() {
  const { local, db } = await start({ rules: RULES })
  const alice = await db.auth.createToken({ email: 'alice@example.com' })
  return { local, db, asAlice: db.asUser({ token: alice }), asGuest: db.asUser({ guest: true }) }
}

describe('debugTransact (transact_perms_check)', () => {
  it('reports every check in Instant’s shape and, as a dry run, writes nothing', async () => {
    const { db, asAlice, asGuest } = await setup()
    const kept = id()
    await db.transact(db.tx['todos']![kept]!.update({ title: 'kept' }))
    const fresh = id()
    const answer = await asAlice.debugTransact([
      asAlice.tx['todos']![fresh]!.update({ title: 'new' }),
      asAlice.tx['todos']![kept]!.update({ title: 'changed' }),
    ])
    expect(answer).toEqual({
      'tx-id': expect.any(Number),
      'all-checks-ok?': false,
      'committed?': false,
      'check-results': [
        {
          scope: 'object',
          action: 'update',
          etype: 'todos',
          eid: kept,
          program: { etype: 'todos', action: 'update', code: 'false', 'display-code': 'false' },
          'check-result': false,
          'check-pass?': false,
          // What the rule saw, as Instant's server reports it.
          bindings: {
            data: { id: kept, title: 'kept' },
            'new-data': { id: kept, title: 'changed' },
            'rule-params': {},
            'modified-fields': ['title'],
          },
        },
        {
          scope: 'object',
          action: 'create',
          etype: 'todos',
          eid: fresh,
          program: {
            etype: 'todos',
            action: 'create',
            code: CREATE_CODE,
            'display-code': 'signedIn && newData.title != "bad"',
          },
          'check-result': true,
          'check-pass?': true,
          bindings: {
            data: { id: fresh, title: 'new' },
            'new-data': { id: fresh, title: 'new' },
            'rule-params': {},
          },
        },
      ],
    })
    // A passing dry run writes nothing either.
    const ok = await asAlice.debugTransact(asAlice.tx['todos']![id()]!.update({ title: 'fine' }))
    expect(ok).toMatchObject({ 'all-checks-ok?': true, 'committed?': false })
    expect((await db.query({ todos: {} }))['todos']).toEqual([{ id: kept, title: 'kept' }])
    // A guest fails the create rule; a namespace without rules gets an empty program.
    const asGuestAnswer = await asGuest.debugTransact([
      asGuest.tx['todos']![id()]!.update({ title: 'x' }),
      asGuest.tx['notes']![id()]!.update({ text: 'n' }),
    ])
    expect(
      (asGuestAnswer as any)['check-results'].map((r: any) => [
        r.etype,
        r.action,
        r.program,
        r['check-pass?'],
      ]),
    ).toEqual([
      ['todos', 'create', expect.objectContaining({ code: CREATE_CODE }), false],
      ['notes', 'create', {}, true],
    ])
  })

  it('commits with dangerously-commit-tx only when every check passes', async () => {
    const { db, asAlice } = await setup()
    const good = id()
    const committed = await asAlice.debugTransact(
      asAlice.tx['todos']![good]!.update({ title: 'good' }),
      { __dangerouslyCommit: true } as never,
    )
    expect(committed).toMatchObject({ 'all-checks-ok?': true, 'committed?': true })
    const refused = await asAlice.debugTransact(
      asAlice.tx['todos']![id()]!.update({ title: 'bad' }),
      { __dangerouslyCommit: true } as never,
    )
    expect(refused).toMatchObject({ 'all-checks-ok?': false, 'committed?': false })
    expect((await db.query({ todos: {} }))['todos']).toEqual([{ id: good, title: 'good' }])
  })

  it('uses rules-override for the run only, and checks it as Instant does', async () => {
    const { local, db, asGuest } = await setup()
    const answer = await asGuest.debugTransact(asGuest.tx['todos']![id()]!.update({ title: 'x' }), {
      rules: { todos: { allow: { create: 'true' } } },
    })
    expect(answer).toMatchObject({ 'all-checks-ok?': true })
    expect(local.ruleCoverage().find((r) => r.action === 'create')?.evaluated).toBe(0)
    const bad = await rejectionOf(
      asGuest.debugTransact(asGuest.tx['todos']![id()]!.update({ title: 'x' }), {
        rules: { todos: { allwo: { create: 'true' } } },
      }),
    )
    expect(bad.status).toBe(400)
    expect(bad.body).toEqual({
      type: 'validation-failed',
      message:
        'Validation failed for rule: todos.allwo: unknown key; expected `allow`, `bind` or `fields`',
      hint: {
        'data-type': 'rule',
        input: ['todos', 'allwo'],
        errors: [
          {
            message: 'todos.allwo: unknown key; expected `allow`, `bind` or `fields`',
            in: ['todos', 'allwo'],
          },
        ],
      },
    })
    // The rules in force are unchanged.
    await rejectionOf(asGuest.transact(asGuest.tx['todos']![id()]!.update({ title: 'x' })))
    expect((await db.query({ todos: {} }))['todos']).toEqual([])
  })

  it('gives rules request.ip and request.origin from ip-override and origin-override', async () => {
    const { asGuest } = await setup()
    const rules = {
      todos: {
        allow: { create: "request.ip == '10.0.0.1' && request.origin == 'https://a.example'" },
      },
    }
    const step = () => asGuest.tx['todos']![id()]!.update({ title: 'x' })
    expect(await asGuest.debugTransact(step(), { rules })).toMatchObject({
      'all-checks-ok?': false,
    })
    expect(
      await asGuest.debugTransact(step(), { rules, ip: '10.0.0.1', origin: 'https://a.example' }),
    ).toMatchObject({ 'all-checks-ok?': true })
  })
})

describe('a rule that fails while running', () => {
  it('answers with CEL’s own message in a perms check, and the typo hint elsewhere', async () => {
    const { local, db, asGuest } = await setup()
    const todo = id()
    await db.transact(db.tx['todos']![todo]!.update({ title: 't', n: 1 }))
    const rules = { todos: { allow: { update: 'data.n / newData.n >= 0' } } }
    const step = () => asGuest.tx['todos']![todo]!.update({ n: 0 })
    const debug = await rejectionOf(asGuest.debugTransact(step(), { rules }))
    expect(debug.status).toBe(400)
    expect(debug.body.type).toBe('permission-evaluation-failed')
    expect(debug.body.message).toMatch(/^Could not evaluate permission rule for `todos.update`\. /)
    expect(debug.body.message).not.toContain('You may have a typo')
    expect(debug.body.hint.rule).toEqual(['todos', 'update'])
    local.setRules(rules)
    const enforced = await rejectionOf(asGuest.transact(step()))
    expect(enforced.body.message).toBe(
      'Could not evaluate permission rule for `todos.update`. You may have a typo. Debug this in the sandbox and then update your permission rules.',
    )
  })
})

describe('debugQuery (query_perms_check)', () => {
  it('returns the result and a check per entity and field rule', async () => {
    const { db, asGuest, asAlice } = await setup()
    const [a, b] = [id(), id()]
    await db.transact([
      db.tx['todos']![a]!.update({ title: 'shown', secret: 's' }),
      db.tx['todos']![b]!.update({ title: 'hidden' }),
    ])
    const viewProgram = {
      etype: 'todos',
      action: 'view',
      code: "data.title != 'hidden'",
      'display-code': "data.title != 'hidden'",
    }
    const guest = await asGuest.debugQuery({ todos: {} })
    expect(guest.result).toEqual({ todos: [{ id: a, title: 'shown' }] })
    // In no set order (Instant's is a map's): each entity's view rule, each kept row's fields rules.
    expect(guest.checkResults).toHaveLength(3)
    expect(guest).toEqual({
      result: { todos: [{ id: a, title: 'shown' }] },
      checkResults: expect.arrayContaining([
        {
          id: a,
          entity: 'todos',
          label: null,
          record: { id: a, title: 'shown', secret: 's' },
          program: viewProgram,
          check: true,
        },
        {
          id: b,
          entity: 'todos',
          label: null,
          record: { id: b, title: 'hidden' },
          program: viewProgram,
          check: false,
        },
        {
          id: a,
          entity: 'todos',
          label: 'secret',
          record: { id: a, title: 'shown', secret: 's' },
          program: {
            etype: 'todos',
            action: 'view',
            code: 'cel.bind(signedIn, auth.id != null, signedIn)',
            'display-code': 'signedIn',
          },
          check: false,
        },
      ]),
    })
    const alice = await asAlice.debugQuery(
      { todos: {} },
      { rules: { todos: { allow: { view: 'true' } } } },
    )
    expect(alice.result['todos']).toHaveLength(2)
    expect(alice.result['todos']).toEqual(
      expect.arrayContaining([
        { id: a, title: 'shown', secret: 's' },
        { id: b, title: 'hidden' },
      ]),
    )
    expect(alice.checkResults.map((c) => c.check)).toEqual([true, true])
  })
})

describe('who may call the perms checks', () => {
  it('refuses an admin caller, and needs the admin token even with as-token', async () => {
    const { local, db } = await setup()
    const asAdmin = await rejectionOf(db.debugQuery({ todos: {} }))
    expect(asAdmin.status).toBe(400)
    expect(asAdmin.body).toEqual({
      type: 'validation-failed',
      message: 'Validation failed for non-admin: Cannot test perms as admin',
      hint: {
        'data-type': 'non-admin',
        input: 'non-admin',
        errors: [{ message: 'Cannot test perms as admin' }],
      },
    })
    expect((await rejectionOf(db.debugTransact([]))).body.message).toBe(
      'Validation failed for non-admin: Cannot test perms as admin',
    )
    const token = await db.auth.createToken({ email: 'bob@example.com' })
    const noAdminToken = await post(
      local,
      `/admin/transact_perms_check?app_id=${local.appId}`,
      { steps: [] },
      { 'as-token': token },
    )
    expect(noAdminToken.status).toBe(400)
    expect(noAdminToken.body).toMatchObject({
      type: 'param-missing',
      hint: { in: ['headers', 'authorization'] },
    })
    const blankIp = await post(
      local,
      `/admin/query_perms_check?app_id=${local.appId}`,
      { query: { todos: {} }, 'ip-override': ' ' },
      { authorization: `Bearer ${local.adminToken}`, 'as-guest': 'true' },
    )
    expect(blankIp.body).toMatchObject({
      type: 'param-malformed',
      hint: { in: ['body', 'ip-override'], 'original-input': ' ' },
    })
  })
})

describe("this kit's admin client", () => {
  it('debugQuery and debugTransact answer as the SDK’s, and a dry run writes nothing', async () => {
    const { local } = await start({ rules: RULES })
    const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
    try {
      const token = await db.auth.createToken({ email: 'carol@example.com' })
      const scoped = db.asUser({ token })
      const todo = id()
      const answer = await scoped.debugTransact(
        scoped.tx['todos']![todo]!.update({ title: 'mine' }),
      )
      expect(answer).toEqual({
        'tx-id': expect.any(Number),
        'all-checks-ok?': true,
        'committed?': false,
        'check-results': [
          {
            scope: 'object',
            action: 'create',
            etype: 'todos',
            eid: todo,
            program: {
              etype: 'todos',
              action: 'create',
              code: CREATE_CODE,
              'display-code': 'signedIn && newData.title != "bad"',
            },
            'check-result': true,
            'check-pass?': true,
            bindings: {
              data: { id: todo, title: 'mine' },
              'new-data': { id: todo, title: 'mine' },
              'rule-params': {},
            },
          },
        ],
      })
      expect(await db.query({ todos: {} })).toEqual({ todos: [] })
      await db.transact(db.tx['todos']![todo]!.update({ title: 'hidden' }))
      expect(await scoped.debugQuery({ todos: {} }, { ruleParams: { x: 1 } })).toEqual({
        result: { todos: [] },
        checkResults: [
          {
            id: todo,
            entity: 'todos',
            label: null,
            record: { id: todo, title: 'hidden' },
            program: {
              etype: 'todos',
              action: 'view',
              code: "data.title != 'hidden'",
              'display-code': "data.title != 'hidden'",
            },
            check: false,
          },
        ],
      })
      const refused = await rejectionOf(db.debugQuery({ todos: {} }))
      expect(refused.body.message).toBe(
        'Validation failed for non-admin: Cannot test perms as admin',
      )
    } finally {
      await db.close()
    }
  })
})
