import { i } from '@instantdb/admin'
import { describe, expect, test } from 'vitest'
import { errorOf, makeEngine, uid } from './helpers.js'

const schema = i.schema({
  entities: {
    goals: i.entity({ title: i.string().indexed(), meta: i.json().optional() }),
    todos: i.entity({ title: i.string(), slug: i.string().unique().indexed().optional() }),
    notes: i.entity({ body: i.string() }),
    $users: i.entity({ email: i.string().unique().indexed(), nickname: i.string().optional() }),
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
    noteAuthor: {
      forward: { on: 'notes', has: 'one', label: 'author', onDelete: 'cascade' },
      reverse: { on: '$users', has: 'many', label: 'notes' },
    },
  },
  rooms: {},
})

/** Goal uid(1) with todos uid(2) 'a' and uid(3) 'b', linked from the goal's side. */
const GOAL_WITH_TWO_TODOS: unknown[] = [
  ['update', 'goals', uid(1), { title: 'G' }],
  ['update', 'todos', uid(2), { title: 'a' }],
  ['update', 'todos', uid(3), { title: 'b' }],
  ['link', 'goals', uid(1), { todos: [uid(2), uid(3)] }],
]

describe('transact steps', () => {
  test('update upserts, create makes, merge deep-merges, and the id arg is dropped', () => {
    const t = makeEngine({ schema })
    t.tx([['update', 'goals', uid(1), { title: 'A', id: uid(9), meta: { a: { x: 1 }, b: 2 } }]])
    t.tx([['create', 'goals', uid(2), { title: 'B' }]])
    t.tx([['merge', 'goals', uid(1), { meta: { a: { y: 2 }, c: 3 } }]])
    t.tx([['update', 'goals', uid(2), { title: 'B2' }]])
    expect(t.q({ goals: {} })).toEqual({
      goals: [
        { id: uid(1), title: 'A', meta: { a: { x: 1, y: 2 }, b: 2, c: 3 } },
        { id: uid(2), title: 'B2' },
      ],
    })
  })

  test('create over an existing entity and strict update of a missing one fail', () => {
    const t = makeEngine({ schema })
    t.tx([['create', 'goals', uid(1), { title: 'A' }]])
    const e1 = errorOf(() => t.tx([['create', 'goals', uid(1), { title: 'again' }]]))
    expect(e1.type).toBe('validation-failed')
    expect(e1.message).toBe(
      `Validation failed for tx-step: Creating entities that exist: ${uid(1)}`,
    )
    const e2 = errorOf(() => t.tx([['update', 'goals', uid(2), { title: 'x' }, { upsert: false }]]))
    expect(e2.message).toBe(
      `Validation failed for tx-step: Updating entities that don't exist: ${uid(2)}`,
    )
    t.tx([['update', 'goals', uid(1), { title: 'strict' }, { upsert: false }]])
    expect(t.q({ goals: {} }).goals).toEqual([{ id: uid(1), title: 'strict' }])
  })

  test('link and unlink work from both sides, including arrays', () => {
    const t = makeEngine({ schema })
    t.tx(GOAL_WITH_TWO_TODOS)
    expect(t.q({ goals: { todos: {} } }).goals[0].todos.map((x: any) => x.id)).toEqual([
      uid(2),
      uid(3),
    ])
    t.tx([['unlink', 'todos', uid(3), { goal: uid(1) }]])
    expect(t.q({ todos: { goal: {} } }).todos).toEqual([
      { id: uid(2), title: 'a', goal: [{ id: uid(1), title: 'G' }] },
      { id: uid(3), title: 'b', goal: [] },
    ])
  })

  test('has-one links replace the previous target', () => {
    const t = makeEngine({ schema })
    const a = t.addUser('a@x.co')
    const b = t.addUser('b@x.co')
    t.tx([
      ['update', 'todos', uid(1), { title: 't' }],
      ['link', 'todos', uid(1), { owner: a }],
    ])
    t.tx([['link', 'todos', uid(1), { owner: b }]])
    expect(t.q({ todos: { owner: {} } }, undefined, true).todos[0].owner.id).toBe(b)
  })

  test('lookups: array, object, encoded string; unresolved lookup creates on update', () => {
    const t = makeEngine({ schema })
    t.tx([['update', 'todos', ['slug', 'one'], { title: 'first' }]])
    t.tx([['update', 'todos', { slug: 'one' }, { title: 'renamed' }]])
    t.tx([
      ['update', 'goals', uid(1), { title: 'G' }],
      ['link', 'goals', uid(1), { todos: 'lookup__slug__"one"' }],
    ])
    const res = t.q({ todos: { goal: {} } })
    expect(res.todos).toHaveLength(1)
    expect(res.todos[0]).toMatchObject({ slug: 'one', title: 'renamed', goal: [{ id: uid(1) }] })
  })

  test('a lookup through a link finds the linked entity', () => {
    const t = makeEngine({ schema })
    const u = t.addUser('a@x.co')
    t.tx([
      ['update', 'todos', uid(1), { title: 'mine' }],
      ['link', 'todos', uid(1), { owner: u }],
    ])
    t.tx([['update', 'todos', ['owner.email', 'a@x.co'], { title: 'via email' }]])
    t.tx([['merge', 'todos', { 'owner.id': u }, { title: 'via id' }]])
    expect(t.q({ todos: {} }).todos).toEqual([{ id: uid(1), title: 'via id' }])
    t.tx([['delete', 'todos', ['owner.email', 'nobody@x.co'], null]])
    t.tx([['delete', 'todos', ['owner.email', 'a@x.co'], null]])
    expect(t.q({ todos: {} }).todos).toEqual([])
  })

  test('a lookup on a non-unique attribute is refused', () => {
    const t = makeEngine({ schema })
    const e = errorOf(() => t.tx([['update', 'goals', ['title', 'x'], { meta: 1 }]]))
    expect(e.type).toBe('validation-failed')
    expect(e.message).toBe(
      "Validation failed for lookup: goals.title is not a unique attribute, so it can't be used in a lookup.",
    )
  })

  test('a non-UUID entity id is refused with its step index', () => {
    const t = makeEngine({ schema })
    const steps = [
      ['update', 'goals', uid(1), { title: 'ok' }],
      ['update', 'goals', 'not-a-uuid', { title: 'x' }],
    ]
    const e = errorOf(() => t.tx(steps))
    expect(e.status).toBe(400)
    expect(e.toBody()).toEqual({
      type: 'validation-failed',
      message:
        "Validation failed for steps: Invalid entity ID 'not-a-uuid'. Entity IDs must be UUIDs or lookup references.",
      hint: {
        'data-type': 'steps',
        input: steps,
        errors: [
          {
            message:
              "Invalid entity ID 'not-a-uuid'. Entity IDs must be UUIDs or lookup references.",
            in: [1, 2],
          },
        ],
      },
    })
    expect(t.q({ goals: {} }).goals).toEqual([])
  })

  test('unknown actions and non-array steps are validation errors; missing steps is param-missing', () => {
    const t = makeEngine()
    expect(errorOf(() => t.tx([['explode', 'goals', uid(1), {}]])).type).toBe('validation-failed')
    expect(errorOf(() => t.engine.transact({}, { kind: 'admin' })).toBody()).toEqual({
      type: 'param-missing',
      message: 'Missing parameter: ["body" "steps"]',
      hint: { in: ['body', 'steps'] },
    })
    expect(errorOf(() => t.engine.transact({ steps: 'x' }, { kind: 'admin' })).type).toBe(
      'param-malformed',
    )
  })

  test('delete removes links, cascades, and drops unresolved lookups', () => {
    const t = makeEngine({ schema })
    t.tx([
      ...GOAL_WITH_TWO_TODOS,
      ['update', 'goals', uid(4), { title: 'H' }],
      ['update', 'todos', uid(5), { title: 'c' }],
      ['link', 'todos', uid(5), { goal: uid(4) }],
    ])
    t.tx([['delete', 'todos', ['slug', 'nope'], null]])
    t.tx([['delete', 'todos', uid(5), null]])
    expect(t.q({ goals: { todos: {} } }).goals.map((g: any) => [g.id, g.todos.length])).toEqual([
      [uid(1), 2],
      [uid(4), 0],
    ])
    // goalTodos.reverse.onDelete = cascade: deleting the goal deletes its todos.
    t.tx([['delete', 'goals', uid(1), null]])
    expect(t.q({ goals: {}, todos: {} })).toEqual({
      goals: [{ id: uid(4), title: 'H' }],
      todos: [],
    })
  })

  test('onUserDeleted removes links to the user and cascades', () => {
    const t = makeEngine({ schema })
    const u = t.addUser('a@x.co')
    t.tx([
      ['update', 'todos', uid(1), { title: 't' }],
      ['link', 'todos', uid(1), { owner: u }],
      ['update', 'notes', uid(2), { body: 'n' }],
      ['link', 'notes', uid(2), { author: u }],
    ])
    t.db.prepare('DELETE FROM users WHERE id = ?').run(u)
    t.engine.onUserDeleted(u)
    expect(t.q({ todos: { owner: {} }, notes: {} })).toEqual({
      todos: [{ id: uid(1), title: 't', owner: [] }],
      notes: [],
    })
    expect(t.db.prepare('SELECT count(*) AS n FROM data_links').get()).toEqual({ n: 0 })
  })

  test('$users: links both ways and admin updates of custom attributes', () => {
    const t = makeEngine({ schema })
    const u = t.addUser('a@x.co')
    t.tx([
      ['update', 'todos', uid(1), { title: 't' }],
      ['link', '$users', u, { todos: uid(1) }],
      ['update', '$users', u, { nickname: 'Al' }],
    ])
    expect(t.q({ $users: { todos: {} } }).$users).toEqual([
      { id: u, email: 'a@x.co', type: 'user', nickname: 'Al', todos: [{ id: uid(1), title: 't' }] },
    ])
    expect(JSON.parse((t.db.prepare('SELECT extra FROM users').get() as any).extra)).toEqual({
      nickname: 'Al',
    })
    t.tx([['update', '$users', ['email', 'a@x.co'], { nickname: 'Bo' }]])
    expect(t.q({ todos: { owner: {} } }, undefined, true).todos[0].owner).toMatchObject({
      nickname: 'Bo',
    })
  })

  test('ruleParams steps are accepted and write nothing', () => {
    const t = makeEngine({ schema })
    t.tx([['ruleParams', 'goals', uid(1), { k: 'v' }]])
    expect(t.q({ goals: {} }).goals).toEqual([])
  })

  test('tx-ids increase', () => {
    const t = makeEngine()
    const a = t.tx([['update', 'goals', uid(1), { title: 'a' }]])['tx-id']
    const b = t.tx([['update', 'goals', uid(1), { title: 'b' }]])['tx-id']
    expect(b).toBeGreaterThan(a)
  })
})

describe('attributes', () => {
  test('missing attrs are created on first use: data attrs and links named after the label', () => {
    const t = makeEngine()
    t.tx([
      ['update', 'projects', uid(1), { name: 'p' }],
      ['update', 'tasks', uid(2), { name: 't' }],
      ['link', 'projects', uid(1), { tasks: uid(2) }],
    ])
    expect(t.q({ tasks: { projects: {} } })).toEqual({
      tasks: [{ id: uid(2), name: 't', projects: [{ id: uid(1), name: 'p' }] }],
    })
  })

  test("throw-on-missing-attrs? refuses attrs the schema lacks, with Instant's hint", () => {
    const t = makeEngine({ schema })
    const steps = [['update', 'goals', uid(1), { title: 'x', myFavoriteColor: 'red' }]]
    const e = errorOf(() => t.tx(steps, undefined, true))
    expect(e.toBody()).toEqual({
      type: 'validation-failed',
      message: 'Validation failed for steps: Attributes are missing in your schema',
      hint: {
        'data-type': 'steps',
        input: steps,
        errors: [
          {
            message: 'Attributes are missing in your schema',
            hint: { attributes: ['goals.myFavoriteColor'] },
          },
        ],
      },
    })
    t.tx([['update', 'goals', uid(1), { title: 'x' }]], undefined, true)
    expect(t.q({ goals: {} }).goals).toEqual([{ id: uid(1), title: 'x' }])
  })

  test('typed attrs reject values of another type', () => {
    const t = makeEngine({ schema })
    const e = errorOf(() => t.tx([['update', 'goals', uid(1), { title: 5 }]]))
    expect(e.message).toBe(
      'Validation failed for tx-step: Invalid value type for goals.title. Value must be a string but the provided value type is number.',
    )
  })

  test('unique attrs reject a second entity with the same value', () => {
    const t = makeEngine({ schema })
    t.tx([['update', 'todos', uid(1), { title: 'a', slug: 's' }]])
    const e = errorOf(() => t.tx([['update', 'todos', uid(2), { title: 'b', slug: 's' }]]))
    expect(e.toBody()).toEqual({
      type: 'record-not-unique',
      message: 'Record not unique: avet',
      hint: { 'record-type': 'avet' },
    })
  })

  test('add-attr, update-attr and delete-attr', () => {
    const t = makeEngine()
    const linkId = uid(100)
    t.tx([
      [
        'add-attr',
        {
          id: linkId,
          'forward-identity': [uid(101), 'posts', 'author'],
          'reverse-identity': [uid(102), 'people', 'posts'],
          'value-type': 'ref',
          cardinality: 'one',
          'unique?': false,
          'index?': false,
        },
      ],
      ['update', 'posts', uid(1), { title: 'p' }],
      ['update', 'people', uid(2), { name: 'n' }],
      ['link', 'posts', uid(1), { author: uid(2) }],
    ])
    expect(t.q({ people: { posts: {} } }).people[0].posts).toEqual([{ id: uid(1), title: 'p' }])
    expect(t.q({ posts: { author: {} } }, undefined, true).posts[0].author).toEqual({
      id: uid(2),
      name: 'n',
    })
    t.tx([['update-attr', { id: linkId, cardinality: 'many' }]])
    expect(t.q({ posts: { author: {} } }, undefined, true).posts[0].author).toEqual([
      { id: uid(2), name: 'n' },
    ])
    t.tx([['delete-attr', linkId]])
    expect(t.q({ people: { posts: {} } }).people[0].posts).toEqual([])
  })
})

describe('all or nothing', () => {
  test('a failing step rolls back earlier steps and auto-created attrs', () => {
    const t = makeEngine({ schema })
    t.tx([['update', 'todos', uid(1), { title: 'a', slug: 's' }]])
    const before = t.q({ todos: {}, things: {} })
    expect(() =>
      t.tx([
        ['update', 'things', uid(5), { brandNew: 1 }],
        ['update', 'todos', uid(1), { title: 'changed' }],
        ['update', 'todos', uid(2), { title: 'b', slug: 's' }],
      ]),
    ).toThrow('Record not unique')
    expect(t.q({ todos: {}, things: {} })).toEqual(before)
    // The rolled-back attr is gone from memory too: with the flag it is reported missing.
    const e = errorOf(() => t.tx([['update', 'things', uid(5), { brandNew: 1 }]], undefined, true))
    expect(e.hint?.['errors']).toEqual([
      {
        message: 'Attributes are missing in your schema',
        hint: { attributes: ['things.brandNew'] },
      },
    ])
  })
})

describe('hostile input', () => {
  test('a "__proto__" attribute is refused, not silently dropped', () => {
    const t = makeEngine({ schema })
    const e = errorOf(() =>
      t.tx([['update', 'goals', uid(1), JSON.parse('{"title":"x","__proto__":{"a":1}}')]]),
    )
    expect(e.status).toBe(400)
    expect(e.type).toBe('validation-failed')
    expect(e.message).toBe('Validation failed for steps: "__proto__" is not a valid name.')
    expect(t.q({ goals: {} })).toEqual({ goals: [] })
  })

  test('queries and steps nested past the limit answer 400, not a stack overflow', () => {
    const t = makeEngine({ schema })
    let deep: Record<string, unknown> = {}
    for (let i = 0; i < 100_000; i++) deep = { todos: deep }
    const q = errorOf(() => t.q({ goals: deep }))
    expect(q.type).toBe('validation-failed')
    expect(q.message).toBe('Validation failed for query: Nested deeper than 64 levels.')
    let value: unknown = 1
    for (let i = 0; i < 100_000; i++) value = [value]
    const s = errorOf(() => t.tx([['update', 'goals', uid(1), { title: 'x', meta: value }]]))
    expect(s.message).toBe('Validation failed for steps: Nested deeper than 64 levels.')
  })
})
