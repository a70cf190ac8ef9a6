import { i } from '@instantdb/admin'
import { describe, expect, test } from 'vitest'
import { GUEST, makeEngine, uid } from './helpers.js'

const schema = i.schema({
  entities: {
    profiles: i.entity({
      handle: i.string(),
      ownerId: i.string().optional(),
      secret: i.string().indexed().optional(),
    }),
    notes: i.entity({ body: i.string() }),
  },
  links: {
    noteProfile: {
      forward: { on: 'notes', has: 'one', label: 'profile' },
      reverse: { on: 'profiles', has: 'many', label: 'notes' },
    },
  },
  rooms: {},
})

const rules = {
  profiles: { allow: { view: 'true' }, fields: { secret: 'auth.id == data.ownerId' } },
  notes: { allow: { view: 'true' } },
}

function setup() {
  const t = makeEngine({ schema, rules })
  const owner = t.addUser('owner@x.co')
  t.tx([
    ['update', 'profiles', uid(1), { handle: 'a', ownerId: owner, secret: 'hunter2' }],
    ['update', 'profiles', uid(2), { handle: 'b', ownerId: owner, secret: 'abc' }],
    ['update', 'profiles', uid(3), { handle: 'c', ownerId: 'someone-else' }],
    ['update', 'notes', uid(4), { body: 'n' }],
    ['link', 'notes', uid(4), { profile: uid(1) }],
  ])
  return { t, asOwner: t.userCaller(owner) }
}

const ids = (rows: { id: string }[]) => rows.map((r) => r.id)

describe('where on a field hidden by a fields rule', () => {
  test('no condition holds on a hidden value: $like cannot read it back', () => {
    const { t, asOwner } = setup()
    const where = (w: Record<string, unknown>, caller = GUEST) =>
      ids(t.q({ profiles: { $: { where: w } } }, caller).profiles)
    // Character by character, a guest would learn "hunter2" from these answers.
    expect(where({ secret: { $like: 'h%' } })).toEqual([])
    expect(where({ secret: { $like: 'x%' } })).toEqual([])
    expect(where({ secret: 'hunter2' })).toEqual([])
    expect(where({ secret: { $gt: 'a' } })).toEqual([])
    expect(where({ secret: { $in: ['abc', 'hunter2'] } })).toEqual([])
    // Negations would leak by complement; hidden values take part in none.
    expect(where({ secret: { $not: 'hunter2' } })).toEqual([])
    expect(where({ secret: { $isNull: false } })).toEqual([])
    // Profile 3 has no secret: the rule refuses it too (data.ownerId is not the guest).
    expect(where({ secret: { $isNull: true } })).toEqual([])
    // The owner, whom the rule lets read the field, filters on it as before.
    expect(where({ secret: { $like: 'h%' } }, asOwner)).toEqual([uid(1)])
    expect(where({ secret: { $isNull: true } }, asOwner)).toEqual([])
    // A visible branch of an `or` still matches.
    expect(where({ or: [{ secret: { $like: 'h%' } }, { handle: 'c' }] })).toEqual([uid(3)])
  })

  test('through a link, too', () => {
    const { t, asOwner } = setup()
    const where = (w: Record<string, unknown>, caller = GUEST) =>
      ids(t.q({ notes: { $: { where: w } } }, caller).notes)
    expect(where({ 'profile.secret': { $like: 'hunter%' } })).toEqual([])
    expect(where({ 'profile.secret': { $like: 'hunter%' } }, asOwner)).toEqual([uid(4)])
    expect(where({ 'profile.handle': 'a' })).toEqual([uid(4)])
  })

  test('ordering by a hidden field does not reveal its order', () => {
    const { t, asOwner } = setup()
    const order = (dir: 'asc' | 'desc', caller = GUEST) =>
      ids(t.q({ profiles: { $: { order: { secret: dir } } } }, caller).profiles)
    // Hidden values sort as missing ones: ties, broken by id, in both directions.
    expect(order('asc')).toEqual([uid(1), uid(2), uid(3)])
    expect(order('desc')).toEqual([uid(3), uid(2), uid(1)])
    // The owner sees "abc" < "hunter2" (profile 3's secret is missing, and hidden from it).
    expect(order('asc', asOwner)).toEqual([uid(3), uid(2), uid(1)])
  })

  test('admin queries are unaffected', () => {
    const { t } = setup()
    expect(ids(t.q({ profiles: { $: { where: { secret: { $like: 'h%' } } } } }).profiles)).toEqual([
      uid(1),
    ])
  })
})
