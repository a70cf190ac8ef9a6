import { i } from '@instantdb/admin'
import { describe, expect, test } from 'vitest'
import { GUEST, errorOf, makeEngine, uid } from './helpers.js'

const schema = i.schema({
  entities: {
    posts: i.entity({
      title: i.string(),
      visibility: i.string().optional(),
      n: i.number().optional(),
    }),
    comments: i.entity({ body: i.string() }),
    $users: i.entity({ email: i.string().unique().indexed(), role: i.string().optional() }),
  },
  links: {
    postAuthor: {
      forward: { on: 'posts', has: 'one', label: 'author' },
      reverse: { on: '$users', has: 'many', label: 'posts' },
    },
    postComments: {
      forward: { on: 'posts', has: 'many', label: 'comments' },
      reverse: { on: 'comments', has: 'one', label: 'post' },
    },
  },
  rooms: {},
})

const rules = {
  posts: {
    allow: {
      view: "data.visibility == 'public' || isAuthor",
      create: 'isAuthor',
      update: 'isAuthor && newData.title != "forbidden"',
      delete: 'isAuthor',
    },
    bind: ['isAuthor', "auth.id in data.ref('author.id')"],
  },
  comments: {
    allow: { view: "ruleParams.secret == 'open'", $default: 'auth.id != null' },
  },
}

function setup() {
  const t = makeEngine({ schema, rules })
  const alice = t.addUser('alice@x.co', { role: 'admin' })
  const bob = t.addUser('bob@x.co')
  t.tx([
    ['update', 'posts', uid(1), { title: 'public by alice', visibility: 'public' }],
    ['link', 'posts', uid(1), { author: alice }],
    ['update', 'posts', uid(2), { title: 'private by alice' }],
    ['link', 'posts', uid(2), { author: alice }],
    ['update', 'posts', uid(3), { title: 'private by bob' }],
    ['link', 'posts', uid(3), { author: bob }],
    ['update', 'comments', uid(4), { body: 'hi' }],
    ['link', 'posts', uid(1), { comments: uid(4) }],
  ])
  return { t, alice, bob, asAlice: t.userCaller(alice), asBob: t.userCaller(bob) }
}

const ids = (rows: { id: string }[]) => rows.map((r) => r.id)

describe('view', () => {
  test('filters entities silently per caller; admin sees all', () => {
    const { t, asAlice, asBob } = setup()
    expect(ids(t.q({ posts: {} }).posts)).toEqual([uid(1), uid(2), uid(3)])
    expect(ids(t.q({ posts: {} }, asAlice).posts)).toEqual([uid(1), uid(2)])
    expect(ids(t.q({ posts: {} }, asBob).posts)).toEqual([uid(1), uid(3)])
    expect(ids(t.q({ posts: {} }, GUEST).posts)).toEqual([uid(1)])
  })

  test('filters nested entities too, and uses $$ruleParams', () => {
    const { t, asBob } = setup()
    expect(t.q({ posts: { comments: {} } }, asBob).posts[0].comments).toEqual([])
    const res = t.q({ $$ruleParams: { secret: 'open' }, posts: { comments: {} } }, asBob)
    expect(res.posts[0].comments).toEqual([{ id: uid(4), body: 'hi' }])
  })

  test('$users: only yourself by default', () => {
    const { t, alice, asAlice } = setup()
    expect(ids(t.q({ $users: {} }, asAlice).$users)).toEqual([alice])
    expect(t.q({ $users: {} }, GUEST).$users).toEqual([])
  })
})

describe('writes', () => {
  test('create is checked after the write, so data.ref sees new links', () => {
    const { t, alice, asAlice } = setup()
    t.tx(
      [
        ['update', 'posts', uid(10), { title: 'new' }],
        ['link', 'posts', uid(10), { author: alice }],
      ],
      asAlice,
    )
    expect(ids(t.q({ posts: {} }, asAlice).posts)).toContain(uid(10))
  })

  test("a denied create rolls the whole transaction back with Instant's body", () => {
    const { t, bob, asAlice } = setup()
    const e = errorOf(() =>
      t.tx(
        [
          ['update', 'posts', uid(2), { title: 'edited first' }],
          ['update', 'posts', uid(11), { title: 'for bob' }],
          ['link', 'posts', uid(11), { author: bob }],
        ],
        asAlice,
      ),
    )
    expect(e.status).toBe(400)
    expect(e.toBody()).toEqual({
      type: 'permission-denied',
      message: 'Permission denied: not perms-pass?',
      hint: {
        input: ['posts', 'object'],
        expected: 'perms-pass?',
        etype: 'posts',
        action: 'create',
        rule: 'isAuthor',
        'rule-path': ['posts', 'allow', 'create'],
      },
    })
    const posts = t.q({ posts: {} }).posts
    expect(ids(posts)).toEqual([uid(1), uid(2), uid(3)])
    expect(posts[1].title).toBe('private by alice')
  })

  test('update uses data (before) and newData (after)', () => {
    const { t, asAlice, asBob } = setup()
    t.tx([['update', 'posts', uid(2), { title: 'ok' }]], asAlice)
    expect(
      errorOf(() => t.tx([['update', 'posts', uid(2), { title: 'forbidden' }]], asAlice)).type,
    ).toBe('permission-denied')
    expect(errorOf(() => t.tx([['update', 'posts', uid(2), { title: 'x' }]], asBob)).type).toBe(
      'permission-denied',
    )
    expect(errorOf(() => t.tx([['merge', 'posts', uid(2), { title: 'x' }]], GUEST)).type).toBe(
      'permission-denied',
    )
  })

  test('delete is checked on delete', () => {
    const { t, asAlice, asBob } = setup()
    expect(errorOf(() => t.tx([['delete', 'posts', uid(2), null]], asBob)).type).toBe(
      'permission-denied',
    )
    t.tx([['delete', 'posts', uid(2), null]], asAlice)
    expect(ids(t.q({ posts: {} }).posts)).toEqual([uid(1), uid(3)])
  })

  test('links without link rules check update on the source and view on the target', () => {
    const { t, asBob } = setup()
    // Bob may update his post but cannot see comment 4's view rule without ruleParams.
    t.tx([['update', 'comments', uid(5), { body: 'mine' }]], asBob)
    expect(errorOf(() => t.tx([['link', 'posts', uid(3), { comments: uid(5) }]], asBob)).type).toBe(
      'permission-denied',
    )
    t.tx(
      [
        ['ruleParams', 'comments', uid(5), { secret: 'open' }],
        ['link', 'posts', uid(3), { comments: uid(5) }],
      ],
      asBob,
    )
    expect(ids(t.q({ posts: { comments: {} } }).posts[2].comments)).toEqual([uid(5)])
    // Not Bob's post: update on the source fails.
    expect(
      errorOf(() => t.tx([['unlink', 'posts', uid(1), { comments: uid(4) }]], asBob)).type,
    ).toBe('permission-denied')
  })

  test('link rules, when defined, replace update/view', () => {
    const { t, asBob } = setup()
    t.engine.setRules({
      ...rules,
      posts: {
        ...rules.posts,
        allow: { ...rules.posts.allow, link: { comments: 'linkedData.body == "ok"' } },
      },
    })
    t.tx(
      [
        ['update', 'comments', uid(6), { body: 'ok' }],
        ['link', 'posts', uid(1), { comments: uid(6) }],
      ],
      asBob,
    )
    expect(
      errorOf(() =>
        t.tx(
          [
            ['update', 'comments', uid(7), { body: 'no' }],
            ['link', 'posts', uid(1), { comments: uid(7) }],
          ],
          asBob,
        ),
      ).type,
    ).toBe('permission-denied')
  })

  test('$default rules and guests: auth.id is null, not an error', () => {
    const { t } = setup()
    expect(errorOf(() => t.tx([['update', 'comments', uid(8), { body: 'g' }]], GUEST)).type).toBe(
      'permission-denied',
    )
  })

  test('$users: non-admins cannot create, delete or change system columns; can update own custom attrs', () => {
    const { t, alice, bob, asAlice } = setup()
    t.tx([['update', '$users', alice, { role: 'owner' }]], asAlice)
    expect(t.q({ $users: { $: { where: { id: alice } } } }).$users[0].role).toBe('owner')
    expect(errorOf(() => t.tx([['update', '$users', bob, { role: 'x' }]], asAlice)).type).toBe(
      'permission-denied',
    )
    expect(
      errorOf(() => t.tx([['update', '$users', alice, { email: 'z@x.co' }]], asAlice)).type,
    ).toBe('validation-failed')
    expect(
      errorOf(() => t.tx([['update', '$users', uid(50), { role: 'x' }]], asAlice)).message,
    ).toBe(
      "Validation failed for tx-step: $users is a system entity. You aren't allowed to create this directly.",
    )
    expect(errorOf(() => t.tx([['delete', '$users', alice, null]], asAlice)).message).toBe(
      "Validation failed for tx-step: $users is a system entity. You aren't allowed to delete this directly.",
    )
  })

  test('auth fields and numbers behave like Instant CEL', () => {
    const { t, asAlice, asBob } = setup()
    t.engine.setRules({ posts: { allow: { update: "auth.role == 'admin' && newData.n + 1 > 5" } } })
    t.tx([['update', 'posts', uid(3), { n: 5 }]], asAlice)
    expect(errorOf(() => t.tx([['update', 'posts', uid(3), { n: 4 }]], asAlice)).type).toBe(
      'permission-denied',
    )
    expect(errorOf(() => t.tx([['update', 'posts', uid(3), { n: 9 }]], asBob)).type).toBe(
      'permission-denied',
    )
  })

  test('a CEL runtime error is permission-evaluation-failed', () => {
    const { t, asAlice } = setup()
    t.engine.setRules({ posts: { allow: { view: 'data.nope.size() > 0' } } })
    const e = errorOf(() => t.q({ posts: {} }, asAlice))
    expect(e.type).toBe('permission-evaluation-failed')
    expect(e.message).toBe(
      'Could not evaluate permission rule for `posts.view`. You may have a typo. Debug this in the sandbox and then update your permission rules.',
    )
    expect(e.hint?.['rule']).toEqual(['posts', 'view'])
  })

  test('rules that do not parse are refused when set, and the old rules stay', () => {
    const { t, asBob } = setup()
    expect(
      errorOf(() => t.engine.setRules({ posts: { allow: { view: 'auth.id ==' } } })).type,
    ).toBe('validation-failed')
    expect(ids(t.q({ posts: {} }, asBob).posts)).toEqual([uid(1), uid(3)])
  })
})

describe('more rule features', () => {
  test('fields rules hide attributes from readers they refuse', () => {
    const { t, alice, asAlice, asBob } = setup()
    t.engine.setRules({
      $users: { allow: { view: 'true' }, fields: { email: 'auth.id == data.id' } },
    })
    const seenByBob = t.q({ $users: { $: { where: { id: alice } } } }, asBob).$users
    expect(seenByBob).toEqual([{ id: alice, type: 'user', role: 'admin' }])
    const seenByAlice = t.q({ $users: { $: { where: { id: alice } } } }, asAlice).$users
    expect(seenByAlice[0].email).toBe('alice@x.co')
    expect(errorOf(() => t.engine.setRules({ posts: { fields: { id: 'false' } } })).message).toBe(
      'Validation failed for permission: posts.fields.id: You cannot set field rules for `id`. Use posts -> allow -> view instead',
    )
  })

  test('request.modifiedFields and request.time are available', () => {
    const { t, asAlice } = setup()
    t.engine.setRules({
      posts: {
        allow: {
          update:
            "!('visibility' in request.modifiedFields) && request.time > timestamp('2020-01-01T00:00:00Z')",
        },
      },
    })
    t.tx([['update', 'posts', uid(2), { title: 'fine' }]], asAlice)
    expect(
      errorOf(() => t.tx([['update', 'posts', uid(2), { visibility: 'public' }]], asAlice)).type,
    ).toBe('permission-denied')
  })

  test('auth.ref and object-form bind', () => {
    const { t, asAlice, asBob } = setup()
    t.engine.setRules({
      posts: { allow: { view: 'mine' }, bind: { mine: "data.id in auth.ref('$user.posts.id')" } },
    })
    expect(ids(t.q({ posts: {} }, asAlice).posts)).toEqual([uid(1), uid(2)])
    expect(ids(t.q({ posts: {} }, asBob).posts)).toEqual([uid(3)])
    expect(t.q({ posts: {} }, GUEST).posts).toEqual([])
  })

  test('rules may be given as JSON text; missing keys read as null', () => {
    const { t, asBob } = setup()
    t.engine.setRules(
      JSON.stringify({
        posts: { allow: { view: 'data.visibility == null && ruleParams.x == null' } },
      }),
    )
    expect(ids(t.q({ posts: {} }, asBob).posts)).toEqual([uid(2), uid(3)])
  })

  test('a rule sees the binds of $default and of its namespace (which win), as in Instant', () => {
    const { t, asAlice, asBob } = setup()
    t.engine.setRules({
      $default: { bind: ['mine', "auth.id in data.ref('author.id')", 'open', 'false'] },
      posts: { allow: { view: 'mine || open' }, bind: ['open', "data.visibility == 'public'"] },
    })
    expect(ids(t.q({ posts: {} }, asAlice).posts)).toEqual([uid(1), uid(2)])
    expect(ids(t.q({ posts: {} }, asBob).posts)).toEqual([uid(1), uid(3)])
  })
})
