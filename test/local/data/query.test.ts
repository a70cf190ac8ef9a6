import { i } from '@instantdb/admin'
import { describe, expect, test } from 'vitest'
import { errorOf, makeEngine, uid } from './helpers.js'

const schema = i.schema({
  entities: {
    goals: i.entity({ title: i.string().indexed(), rank: i.number().indexed().optional() }),
    todos: i.entity({
      title: i.string(),
      done: i.boolean().optional(),
      n: i.number().indexed().optional(),
      due: i.date().indexed().optional(),
    }),
    profiles: i.entity({ handle: i.string().unique().indexed() }),
    $users: i.entity({ email: i.string().unique().indexed() }),
  },
  links: {
    goalTodos: {
      forward: { on: 'goals', has: 'many', label: 'todos' },
      reverse: { on: 'todos', has: 'one', label: 'goal' },
    },
    userProfile: {
      forward: { on: 'profiles', has: 'one', label: 'user' },
      reverse: { on: '$users', has: 'one', label: 'profile' },
    },
  },
  rooms: {},
})

/** goals 1..2, todos 3..7 with varied attrs; todos 3,4 in goal 1, todo 5 in goal 2. */
function seeded() {
  const t = makeEngine({ schema })
  t.tx([
    ['update', 'goals', uid(1), { title: 'Get fit', rank: 2 }],
    ['update', 'goals', uid(2), { title: 'Read more', rank: 1 }],
    ['update', 'todos', uid(3), { title: 'Run', done: true, n: 5, due: '2026-01-03T00:00:00Z' }],
    ['update', 'todos', uid(4), { title: 'Swim', done: false, n: 10, due: '2026-01-01T00:00:00Z' }],
    ['update', 'todos', uid(5), { title: 'read Book', n: 1 }],
    ['update', 'todos', uid(6), { title: 'Cook_dinner', done: false }],
    ['update', 'todos', uid(7), { title: '100% done', n: 7 }],
    ['link', 'goals', uid(1), { todos: [uid(3), uid(4)] }],
    ['link', 'goals', uid(2), { todos: uid(5) }],
  ])
  return t
}

const ids = (rows: { id: string }[]) => rows.map((r) => r.id)

describe('where', () => {
  const t = seeded()
  const where = (w: Record<string, unknown>) => ids(t.q({ todos: { $: { where: w } } }).todos)

  test.each([
    ['equality', { title: 'Run' }, [3]],
    ['equality on a boolean', { done: false }, [4, 6]],
    ['equality on id', { id: uid(5) }, [5]],
    ['$in', { n: { $in: [1, 10] } }, [4, 5]],
    ['in', { n: { in: [5] } }, [3]],
    ['$not includes missing values', { done: { $not: true } }, [4, 5, 6, 7]],
    ['$ne', { n: { $ne: 5 } }, [4, 5, 6, 7]],
    ['$isNull true', { done: { $isNull: true } }, [5, 7]],
    ['$isNull false', { done: { $isNull: false } }, [3, 4, 6]],
    ['$gt', { n: { $gt: 5 } }, [4, 7]],
    ['$gte', { n: { $gte: 5 } }, [3, 4, 7]],
    ['$lt', { n: { $lt: 5 } }, [5]],
    ['$lte', { n: { $lte: 5 } }, [3, 5]],
    ['$gt and $lt together', { n: { $gt: 1, $lt: 10 } }, [3, 7]],
    ['$gt on a date', { due: { $gt: '2026-01-02T00:00:00Z' } }, [3]],
    ['$like with %', { title: { $like: '%o%' } }, [5, 6, 7]],
    ['$like is case-sensitive', { title: { $like: 'R%' } }, [3]],
    ['$ilike', { title: { $ilike: 'r%' } }, [3, 5]],
    ['$like with _', { title: { $like: 'Cook_dinne_' } }, [6]],
    ['$like % is literal-safe for regex chars', { title: { $like: '100%' } }, [7]],
    ['or', { or: [{ title: 'Run' }, { n: 1 }] }, [3, 5]],
    ['and', { and: [{ done: false }, { title: { $like: 'S%' } }] }, [4]],
    ['nested or inside and', { and: [{ or: [{ n: 1 }, { n: 5 }] }, { done: true }] }, [3]],
    ['dotted path through a link', { 'goal.title': 'Get fit' }, [3, 4]],
    ['dotted id through a link', { 'goal.id': uid(2) }, [5]],
    ['a link label compares ids', { goal: uid(2) }, [5]],
    ['$isNull on a link', { 'goal.id': { $isNull: true } }, [6, 7]],
    ['several keys are and-ed', { done: false, title: 'Swim' }, [4]],
  ])('%s', (_name, w, expected) => {
    expect(where(w)).toEqual(expected.map(uid))
  })

  test('reverse dotted path', () => {
    expect(ids(t.q({ goals: { $: { where: { 'todos.title': 'Run' } } } }).goals)).toEqual([uid(1)])
    expect(ids(t.q({ goals: { $: { where: { 'todos.n': { $gt: 0 } } } } }).goals)).toEqual([
      uid(1),
      uid(2),
    ])
  })

  test('where on nested forms', () => {
    const res = t.q({
      goals: { $: { where: { id: uid(1) } }, todos: { $: { where: { done: true } } } },
    })
    expect(res).toEqual({
      goals: [
        {
          id: uid(1),
          title: 'Get fit',
          rank: 2,
          todos: [{ id: uid(3), title: 'Run', done: true, n: 5, due: '2026-01-03T00:00:00Z' }],
        },
      ],
    })
  })

  test('invalid where shapes are validation errors', () => {
    const e = errorOf(() => t.q({ todos: { $: { where: { n: { $between: [1, 2] } } } } }))
    expect(e.type).toBe('validation-failed')
    expect(e.message).toBe('Validation failed for query: Unsupported where operator `$between`.')
    expect(errorOf(() => t.q({ todos: { $: { where: { or: [] } } } })).message).toBe(
      "Validation failed for query: The list of `or` conditions can't be empty.",
    )
  })
})

describe('result tree', () => {
  test('every top-level namespace is a key; empty is []', () => {
    const t = seeded()
    expect(t.q({ nothing: {}, goals: { $: { where: { title: 'none' } } } })).toEqual({
      nothing: [],
      goals: [],
    })
  })

  test('nested links both directions', () => {
    const t = seeded()
    const res = t.q({
      todos: { $: { where: { id: { $in: [uid(3), uid(6)] } } }, goal: { todos: {} } },
    })
    expect(res.todos.map((x: any) => [x.id, x.goal.map((g: any) => [g.id, ids(g.todos)])])).toEqual(
      [
        [uid(3), [[uid(1), [uid(3), uid(4)]]]],
        [uid(6), []],
      ],
    )
  })

  test('inference? makes has-one links objects or null', () => {
    const t = seeded()
    const u = t.addUser('a@x.co')
    t.tx([
      ['update', 'profiles', uid(9), { handle: 'al' }],
      ['link', 'profiles', uid(9), { user: u }],
    ])
    const q = {
      todos: { $: { where: { id: { $in: [uid(3), uid(6)] } } }, goal: {} },
      $users: { profile: {} },
      profiles: { user: {} },
    }
    const res = t.q(q, undefined, true)
    expect(res.todos.map((x: any) => x.goal && x.goal.id)).toEqual([uid(1), null])
    expect(res.todos[1].goal).toBeNull()
    expect(res.$users).toEqual([
      { id: u, email: 'a@x.co', type: 'user', profile: { id: uid(9), handle: 'al' } },
    ])
    expect(res.profiles[0].user).toEqual({ id: u, email: 'a@x.co', type: 'user' })
    // Without inference every link is an array.
    expect(t.q(q).todos[1].goal).toEqual([])
  })

  test('fields limits attributes; id always stays', () => {
    const t = seeded()
    expect(t.q({ todos: { $: { where: { id: uid(3) }, fields: ['title'] } } }).todos).toEqual([
      { id: uid(3), title: 'Run' },
    ])
  })
})

describe('order and pagination', () => {
  test('default order is creation time, ties by id', () => {
    const t = makeEngine({ schema })
    t.tx([
      ['update', 'goals', uid(5), { title: 'b' }],
      ['update', 'goals', uid(4), { title: 'a' }],
    ])
    // Same transaction, same serverCreatedAt: id order.
    expect(ids(t.q({ goals: {} }).goals)).toEqual([uid(4), uid(5)])
  })

  test('serverCreatedAt desc and attribute order', () => {
    const t = seeded()
    expect(ids(t.q({ goals: { $: { order: { serverCreatedAt: 'desc' } } } }).goals)).toEqual([
      uid(2),
      uid(1),
    ])
    expect(ids(t.q({ goals: { $: { order: { rank: 'asc' } } } }).goals)).toEqual([uid(2), uid(1)])
    // Missing values sort first ascending, last descending.
    expect(ids(t.q({ todos: { $: { order: { n: 'asc' } } } }).todos)).toEqual(
      [6, 5, 3, 7, 4].map(uid),
    )
    expect(ids(t.q({ todos: { $: { order: { n: 'desc' } } } }).todos)).toEqual(
      [4, 7, 3, 5, 6].map(uid),
    )
    expect(ids(t.q({ todos: { $: { order: { due: 'desc' } } } }).todos)).toEqual(
      [3, 4, 7, 6, 5].map(uid),
    )
  })

  test('limit, first, last, offset', () => {
    const t = seeded()
    const page = ($: Record<string, unknown>) => ids(t.q({ todos: { $ } }).todos)
    expect(page({ limit: 2 })).toEqual([uid(3), uid(4)])
    expect(page({ first: 2, offset: 2 })).toEqual([uid(5), uid(6)])
    expect(page({ limit: 2, offset: 4 })).toEqual([uid(7)])
    expect(page({ last: 2 })).toEqual([uid(6), uid(7)])
    expect(page({ limit: 2, order: { n: 'desc' }, where: { n: { $isNull: false } } })).toEqual([
      uid(4),
      uid(7),
    ])
  })

  test('cursors: after/before, inclusive flags, with first/last, and a cursor whose row is gone', () => {
    const t = seeded()
    const page = ($: Record<string, unknown>) =>
      ids(t.q({ todos: { $: { order: { n: 'asc' }, ...$ } } }).todos)
    // Order by n asc: 6 (missing), 5 (1), 3 (5), 7 (7), 4 (10). A cursor is [e, a, v, t].
    const at = (n: number, v: unknown): unknown[] => [uid(n), 'attr', v, 0]
    expect(page({ after: at(3, 5) })).toEqual([uid(7), uid(4)])
    expect(page({ after: at(3, 5), afterInclusive: true })).toEqual([uid(3), uid(7), uid(4)])
    expect(page({ after: at(3, 5), first: 1 })).toEqual([uid(7)])
    expect(page({ before: at(7, 7) })).toEqual([uid(6), uid(5), uid(3)])
    expect(page({ before: at(7, 7), last: 2 })).toEqual([uid(5), uid(3)])
    expect(page({ after: at(5, 1), before: at(4, 10), beforeInclusive: true })).toEqual([
      uid(3),
      uid(7),
      uid(4),
    ])
    expect(page({ after: at(99, 6) })).toEqual([uid(7), uid(4)])
    expect(ids(t.q({ todos: { $: { order: { n: 'desc' }, after: at(7, 7) } } }).todos)).toEqual([
      uid(3),
      uid(5),
      uid(6),
    ])
    // The default order is creation time, the cursor's t.
    const all = ids(t.q({ todos: {} }).todos)
    const created = (n: number) => t.engine.session.createdAt('todos', uid(n)) as number
    expect(ids(t.q({ todos: { $: { after: [uid(4), 'id', uid(4), created(4)] } } }).todos)).toEqual(
      all.slice(all.indexOf(uid(4)) + 1),
    )
  })

  test("unsupported order and options are validation errors with Instant's messages", () => {
    const t = seeded()
    expect(errorOf(() => t.q({ todos: { $: { order: { title: 'asc' } } } })).message).toBe(
      'Validation failed for query: The `todos.title` attribute is not indexed. Only indexed and typed attributes can be used to order by.',
    )
    expect(errorOf(() => t.q({ todos: { $: { order: { nope: 'asc' } } } })).message).toBe(
      'Validation failed for query: There is no `nope` attribute for todos.',
    )
    expect(errorOf(() => t.q({ todos: { $: { order: { n: 'up' } } } })).message).toBe(
      'Validation failed for query: We only support "asc" or "desc" in the `order` clause. Got "up".',
    )
    expect(errorOf(() => t.q({ todos: { $: { limit: 1, last: 1 } } })).message).toBe(
      'Validation failed for query: Only provide one of `limit` or `last`.',
    )
    expect(errorOf(() => t.q({ goals: { todos: { $: { offset: 1 } } } })).message).toContain(
      'only support `offset`, `before`, and `after` clauses on the top-level field',
    )
    expect(errorOf(() => t.q({ todos: { $: { sortBy: 1 } } })).message).toBe(
      'Validation failed for query: We only support `where`, `order`, `limit`, `offset`, `before`, and `after` clauses.',
    )
    expect(errorOf(() => t.q({ todos: { $: { after: ['x'] } } })).type).toBe('validation-failed')
  })
})

describe('request validation', () => {
  test('missing, malformed and mis-shaped queries', () => {
    const t = makeEngine()
    expect(errorOf(() => t.engine.query({}, { kind: 'admin' })).toBody()).toEqual({
      type: 'param-missing',
      message: 'Missing parameter: ["body" "query"]',
      hint: { in: ['body', 'query'] },
    })
    expect(errorOf(() => t.engine.query({ query: 'x' }, { kind: 'admin' })).type).toBe(
      'param-malformed',
    )
    expect(errorOf(() => t.q({ users: { bookshelves: [] } })).toBody()).toEqual({
      type: 'validation-failed',
      message: 'Validation failed for query',
      hint: {
        'data-type': 'query',
        input: { users: { bookshelves: [] } },
        errors: [{ expected: 'map?', in: ['users', 'bookshelves'] }],
      },
    })
  })
})

describe('scale', () => {
  test('equality where over 10,000 entities returns exactly the matches', () => {
    const t = makeEngine({ schema })
    const steps: unknown[] = []
    for (let k = 1; k <= 10_000; k++) {
      steps.push(['update', 'todos', uid(k), { title: `t${k % 100}`, n: k }])
    }
    t.tx(steps)
    const res = t.q({ todos: { $: { where: { title: 't42' } } } }).todos
    expect(res).toHaveLength(100)
    expect(res.every((x: any) => x.title === 't42' && x.n % 100 === 42)).toBe(true)
    expect(ids(res).slice(0, 2)).toEqual([uid(42), uid(142)])
    expect(t.q({ todos: { $: { where: { n: 9_999 } } } }).todos).toEqual([
      { id: uid(9_999), title: 't99', n: 9_999 },
    ])
    expect(
      t.q({ todos: { $: { where: { n: { $gte: 9_999 } }, order: { n: 'desc' } } } }).todos,
    ).toHaveLength(2)
  })
})
