import { describe, expectTypeOf, it } from 'vitest'
import { i } from '@instantdb/admin'
import { init, tx } from '../../src/admin/index.js'
import type {
  DebugCheckResult,
  DebugTransactResult,
  InstantAdminDatabase,
  TransactionChunk,
  User,
} from '../../src/admin/index.js'

const schema = i.schema({
  entities: {
    goals: i.entity({ title: i.string(), rank: i.number().optional() }),
    todos: i.entity({ title: i.string() }),
    owners: i.entity({ name: i.string() }),
  },
  links: {
    goalTodos: {
      forward: { on: 'goals', has: 'many', label: 'todos' },
      reverse: { on: 'todos', has: 'one', label: 'goal' },
    },
  },
})

const appId = '5f6a1c3e-9b2d-4e8f-a1b2-c3d4e5f6a7b8'
const db = init({ appId, adminToken: 't', schema })
const untyped = init({ appId, adminToken: 't' })

describe('schema-typed client', () => {
  it('types query results from the schema', async () => {
    const result = await db.query({ goals: { todos: {} } })
    expectTypeOf(result.goals).toBeArray()
    expectTypeOf(result.goals[0]!.id).toEqualTypeOf<string>()
    expectTypeOf(result.goals[0]!).toHaveProperty('title')
    expectTypeOf(result.goals[0]!.todos).toBeArray()
    const reverse = await db.query({ todos: { goal: {} } })
    expectTypeOf(reverse.todos[0]!.goal).toMatchTypeOf<{ id: string } | null | undefined>()
  })

  it('rejects a misspelt namespace or link', () => {
    // @ts-expect-error `goalz` is not a namespace of the schema
    void db.query({ goalz: {} })
    // @ts-expect-error `todoz` is not a link of goals
    void db.query({ goals: { todoz: {} } })
    // @ts-expect-error `goalz` is not a namespace of the schema
    void db.tx.goalz
  })

  it('types transaction chunks', () => {
    expectTypeOf(db.tx.goals['x']!.update({ title: 'y' })).toEqualTypeOf<
      TransactionChunk<typeof schema, 'goals'>
    >()
    // @ts-expect-error `titel` is not an attribute of goals
    void db.tx.goals['x']!.update({ titel: 'y' })
    // @ts-expect-error `owner` is not a link of goals
    void db.tx.goals['x']!.link({ owner: 'y' })
  })

  it('keeps asUser typed like the root client', () => {
    expectTypeOf(db.asUser({ token: 't' })).toEqualTypeOf<InstantAdminDatabase<typeof schema>>()
    // @ts-expect-error asUser takes token, email or guest
    void db.asUser({ user: 'x' })
  })
})

describe('untyped client', () => {
  it('accepts any namespace and returns rows with an id', async () => {
    const result = await untyped.query({ anything: {} })
    expectTypeOf(result.anything[0]!.id).toEqualTypeOf<string>()
    // Like the SDK's, the untyped builder is an index signature: `!` under noUncheckedIndexedAccess.
    void untyped.transact([tx.anything!['x']!.update({ a: 1 })])
  })

  it('types the auth methods like the SDK', () => {
    expectTypeOf(db.auth.createToken).returns.resolves.toEqualTypeOf<string>()
    expectTypeOf(db.auth.verifyToken).returns.resolves.toEqualTypeOf<User>()
    expectTypeOf(db.auth.getUser).returns.resolves.toEqualTypeOf<Omit<
      User,
      'refresh_token'
    > | null>()
    expectTypeOf(db.auth.signOut).returns.resolves.toEqualTypeOf<void>()
  })
})

describe('debugQuery and debugTransact', () => {
  it('type results like query and the SDK', async () => {
    const scoped = db.asUser({ guest: true })
    const { result, checkResults } = await scoped.debugQuery({ goals: { todos: {} } })
    expectTypeOf(result.goals[0]!.todos).toBeArray()
    expectTypeOf(checkResults).toEqualTypeOf<DebugCheckResult[]>()
    expectTypeOf(checkResults[0]!.entity).toEqualTypeOf<string>()
    // @ts-expect-error `goalz` is not a namespace of the schema
    void scoped.debugQuery({ goalz: {} })
    void scoped.debugQuery(
      { goals: {} },
      { rules: {}, ruleParams: { k: 1 }, ip: null, origin: 'o' },
    )
    // @ts-expect-error `rulez` is not an option
    void scoped.debugQuery({ goals: {} }, { rulez: {} })
    const answer = await scoped.debugTransact([scoped.tx.goals['x']!.update({ title: 'y' })])
    expectTypeOf(answer['tx-id']).toEqualTypeOf<number>()
    expectTypeOf(answer['all-checks-ok?']).toEqualTypeOf<boolean>()
    expectTypeOf(answer).toMatchTypeOf<DebugTransactResult>()
    void untyped.asUser({ token: 't' }).debugTransact([], { rules: {}, timeoutMs: 1_000 })
  })
})
