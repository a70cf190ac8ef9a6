/**
 * The data engine through Local Instant's HTTP server, driven by the official @instantdb/admin SDK.
 */
import { i, id, init, lookup } from '@instantdb/admin'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLocalInstant, type LocalInstant } from '../../../src/local/index.js'
import { rejectionOf } from '../helpers.js'

const schema = i.schema({
  entities: {
    $users: i.entity({ email: i.string().unique().indexed() }),
    goals: i.entity({ title: i.string().indexed(), priority: i.number().indexed().optional() }),
    todos: i.entity({ title: i.string(), done: i.boolean().optional() }),
    profiles: i.entity({ handle: i.string().unique().indexed() }),
  },
  links: {
    goalTodos: {
      forward: { on: 'goals', has: 'many', label: 'todos' },
      reverse: { on: 'todos', has: 'one', label: 'goal', onDelete: 'cascade' },
    },
    todoOwner: {
      forward: { on: 'todos', has: 'one', label: 'owner' },
      reverse: { on: '$users', has: 'many', label: 'todos' },
    },
  },
  rooms: {},
})

const rules = {
  todos: {
    allow: {
      view: 'isOwner',
      create: 'isOwner',
      update: 'isOwner',
      delete: 'isOwner',
    },
    bind: ['isOwner', "auth.id in data.ref('owner.id')"],
  },
  goals: {
    allow: {
      view: 'true',
      create: 'auth.id != null',
      update: "ruleParams.key == 'open'",
      delete: 'false',
    },
  },
}

let local: LocalInstant
let db: ReturnType<typeof init<typeof schema>>

beforeAll(async () => {
  local = await startLocalInstant({ schema, rules, logger: false })
  db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI, schema })
})
afterAll(async () => {
  await local.close()
})

describe('admin', () => {
  test('transact and query with nesting, where, order and inference', async () => {
    const g1 = id()
    const g2 = id()
    const t1 = id()
    const t2 = id()
    const res = await db.transact([
      db.tx.goals[g1]!.update({ title: 'Get fit', priority: 2 }),
      db.tx.goals[g2]!.update({ title: 'Read', priority: 1 }),
      db.tx.todos[t1]!.update({ title: 'Run' }).link({ goal: g1 }),
      db.tx.todos[t2]!.update({ title: 'Swim', done: true }).link({ goal: g1 }),
    ])
    expect(typeof res['tx-id']).toBe('number')

    const data = await db.query({
      goals: { $: { order: { priority: 'asc' } }, todos: { $: { where: { done: true } } } },
      todos: { $: { where: { 'goal.title': 'Get fit' } }, goal: {} },
    })
    expect(data.goals.map((g) => [g.title, g.todos.map((x) => x.title)])).toEqual([
      ['Read', []],
      ['Get fit', ['Swim']],
    ])
    const run = data.todos.find((x) => x.id === t1)
    expect(run?.goal).toEqual({ id: g1, title: 'Get fit', priority: 2 })

    await db.transact(db.tx.goals[g1]!.delete())
    const after = await db.query({ goals: {}, todos: { $: { where: { id: { $in: [t1, t2] } } } } })
    expect(after.goals.map((g) => g.id)).toEqual([g2])
    expect(after.todos).toEqual([])
  })

  test('lookups and merge', async () => {
    await db.transact(db.tx.profiles[lookup('handle', 'ada')]!.update({}))
    const { profiles } = await db.query({ profiles: { $: { where: { handle: 'ada' } } } })
    expect(profiles).toHaveLength(1)
    expect(profiles[0]?.handle).toBe('ada')
  })

  test('a schema-less attr is refused because the SDK sends throw-on-missing-attrs?', async () => {
    const err = await rejectionOf(
      db.transact(db.tx.goals[id()]!.update({ title: 'x', color: 'red' } as any)),
    )
    expect(err.status).toBe(400)
    expect(err.body.type).toBe('validation-failed')
    expect(err.body.hint.errors[0].hint).toEqual({ attributes: ['goals.color'] })
  })
})

describe('asUser', () => {
  test('token, email and guest callers see and write per the rules', async () => {
    const token = await db.auth.createToken({ email: 'alice@example.com' })
    const alice = (await db.auth.getUser({ email: 'alice@example.com' }))!
    const bobToken = await db.auth.createToken({ email: 'bob@example.com' })
    const asAlice = db.asUser({ token })
    const asBob = db.asUser({ token: bobToken })

    const mine = id()
    await asAlice.transact(
      asAlice.tx.todos[mine]!.update({ title: 'mine' }).link({ owner: alice.id }),
    )

    expect((await asAlice.query({ todos: {} })).todos.map((x) => x.id)).toEqual([mine])
    expect(
      (await db.asUser({ email: 'alice@example.com' }).query({ todos: {} })).todos.map((x) => x.id),
    ).toEqual([mine])
    expect((await asBob.query({ todos: {} })).todos).toEqual([])
    expect((await db.asUser({ guest: true }).query({ todos: {} })).todos).toEqual([])

    const denied = await rejectionOf(
      asBob.transact(asBob.tx.todos[mine]!.update({ title: 'hijack' })),
    )
    expect(denied.status).toBe(400)
    expect(denied.body).toMatchObject({
      type: 'permission-denied',
      message: 'Permission denied: not perms-pass?',
      hint: {
        input: ['todos', 'object'],
        expected: 'perms-pass?',
        etype: 'todos',
        action: 'update',
      },
    })
    const stolen = await rejectionOf(
      asBob.transact(
        asBob.tx.todos[id()]!.update({ title: 'for alice' }).link({ owner: alice.id }),
      ),
    )
    expect(stolen.body.type).toBe('permission-denied')

    // $users: each user sees only themself, with their links.
    const me = await asAlice.query({ $users: { todos: {} } })
    expect(me.$users).toEqual([
      { id: alice.id, email: 'alice@example.com', todos: [{ id: mine, title: 'mine' }] },
    ])
  })

  test('guests: auth.id is null; ruleParams reach update rules', async () => {
    const guest = db.asUser({ guest: true })
    const denied = await rejectionOf(guest.transact(guest.tx.goals[id()]!.update({ title: 'g' })))
    expect(denied.body.type).toBe('permission-denied')

    const token = await db.auth.createToken({ email: 'carol@example.com' })
    const carol = db.asUser({ token })
    const g = id()
    await carol.transact(carol.tx.goals[g]!.update({ title: 'carol' }))
    expect(
      (await rejectionOf(carol.transact(carol.tx.goals[g]!.update({ title: 'edit' })))).body.type,
    ).toBe('permission-denied')
    await carol.transact(carol.tx.goals[g]!.ruleParams({ key: 'open' }).update({ title: 'edit' }))
    const { goals } = await carol.query({ goals: { $: { where: { id: g } } } })
    expect(goals[0]?.title).toBe('edit')
  })

  test('setRules applies at runtime', async () => {
    const g = id()
    await db.transact(db.tx.goals[g]!.update({ title: 'hidden soon' }))
    local.setRules({ ...rules, goals: { allow: { view: 'false' } } })
    expect((await db.asUser({ guest: true }).query({ goals: {} })).goals).toEqual([])
    expect((await db.query({ goals: { $: { where: { id: g } } } })).goals).toHaveLength(1)
    local.setRules(rules)
  })

  test('deleting a user removes links to it', async () => {
    const token = await db.auth.createToken({ email: 'dave@example.com' })
    const dave = (await db.auth.getUser({ email: 'dave@example.com' }))!
    const t = id()
    await db
      .asUser({ token })
      .transact(db.tx.todos[t]!.update({ title: 'daves' }).link({ owner: dave.id }))
    await db.auth.deleteUser({ id: dave.id })
    const { todos } = await db.query({ todos: { $: { where: { id: t } }, owner: {} } })
    expect(todos).toEqual([{ id: t, title: 'daves', owner: null }])
  })
})
