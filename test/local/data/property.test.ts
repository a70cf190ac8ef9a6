/**
 * Property test: random small data sets and queries, answered by the engine and by a direct
 * in-memory evaluation of the documented semantics; both must agree exactly.
 */
import { i } from '@instantdb/admin'
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { makeEngine, uid } from './helpers.js'

const schema = i.schema({
  entities: {
    items: i.entity({
      n: i.number().indexed().optional(),
      s: i.string().indexed().optional(),
      b: i.boolean().optional(),
    }),
    tags: i.entity({ name: i.string().optional() }),
  },
  links: {
    itemTags: {
      forward: { on: 'items', has: 'many', label: 'tags' },
      reverse: { on: 'tags', has: 'many', label: 'items' },
    },
  },
  rooms: {},
})

interface Item {
  id: string
  n?: number
  s?: string
  b?: boolean
  tags: number[]
}
interface Tag {
  id: string
  name?: string
}

type Field = 'n' | 's' | 'b' | 'tags.name' | 'id'
type Cond = { or: Cond[] } | { and: Cond[] } | { field: Field; op: string; value: unknown }

const letters = fc.constantFrom('a', 'b', 'ab', 'Ab', 'b_a', 'a%')
const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), letters, fc.boolean())

const itemArb = (id: string, tagCount: number) =>
  fc.record(
    {
      id: fc.constant(id),
      n: fc.integer({ min: -3, max: 3 }),
      s: letters,
      b: fc.boolean(),
      tags: fc.uniqueArray(fc.nat({ max: Math.max(0, tagCount - 1) }), { maxLength: tagCount }),
    },
    { requiredKeys: ['id', 'tags'] },
  )

const dataArb = fc
  .tuple(
    fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 0, maxLength: 8 }),
    fc.array(fc.option(letters, { nil: undefined }), { maxLength: 3 }),
  )
  .chain(([itemNums, tagNames]) =>
    fc.tuple(
      fc.tuple(...itemNums.map((k) => itemArb(uid(k), tagNames.length))),
      fc.constant(
        tagNames.map((name, j): Tag =>
          name === undefined ? { id: uid(5000 + j) } : { id: uid(5000 + j), name },
        ),
      ),
    ),
  )

const leafArb: fc.Arbitrary<Cond> = fc.oneof(
  fc.record({
    field: fc.constantFrom<Field>('n', 's', 'b', 'tags.name'),
    op: fc.constantFrom('eq', '$ne', '$not', '$gt', '$gte', '$lt', '$lte'),
    value: scalar,
  }),
  fc.record({
    field: fc.constantFrom<Field>('n', 's', 'tags.name'),
    op: fc.constant('$in'),
    value: fc.array(scalar, { maxLength: 3 }),
  }),
  fc.record({
    field: fc.constantFrom<Field>('n', 's', 'b', 'tags.name'),
    op: fc.constant('$isNull'),
    value: fc.boolean(),
  }),
  fc.record({
    field: fc.constantFrom<Field>('s', 'tags.name'),
    op: fc.constantFrom('$like', '$ilike'),
    value: fc.constantFrom('a%', '%b', '_b', '%', 'A%', 'b\\_a'),
  }),
  fc.record({
    field: fc.constant<Field>('id'),
    op: fc.constant('eq'),
    value: fc.integer({ min: 1, max: 1000 }).map(uid),
  }),
)

const condArb: fc.Arbitrary<Cond> = fc.letrec<{ cond: Cond }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ or: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ and: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }) }),
  ),
})).cond

const queryArb = fc.record(
  {
    where: fc.array(condArb, { maxLength: 2 }),
    order: fc.option(
      fc.record({
        key: fc.constantFrom('serverCreatedAt', 'n', 's'),
        dir: fc.constantFrom('asc', 'desc'),
      }),
      {
        nil: undefined,
      },
    ),
    limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    offset: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
  },
  { requiredKeys: ['where'] },
)

function toWhere(c: Cond): Record<string, unknown> {
  if ('or' in c) return { or: c.or.map(toWhere) }
  if ('and' in c) return { and: c.and.map(toWhere) }
  return { [c.field]: c.op === 'eq' ? c.value : { [c.op]: c.value } }
}

// ---- the model --------------------------------------------------------------------------

function leafValues(item: Item, tags: Tag[], field: Field): unknown[] {
  if (field === 'id') return [item.id]
  if (field === 'tags.name') {
    if (item.tags.length === 0) return [null]
    return item.tags.map((t) => tags[t]?.name ?? null)
  }
  return [item[field] ?? null]
}

function cmp(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  return undefined
}

function like(v: unknown, pattern: string, ci: boolean): boolean {
  if (typeof v !== 'string') return false
  // Dynamic programming over the pattern, independent of the engine's matcher. A backslash
  // makes the next character literal, as in Postgres LIKE (where Instant runs it).
  const s = ci ? v.toLowerCase() : v
  const raw = ci ? pattern.toLowerCase() : pattern
  const p: { ch: string; wild: boolean }[] = []
  for (let j = 0; j < raw.length; j++) {
    const ch = raw[j] as string
    if (ch === '\\' && j + 1 < raw.length) p.push({ ch: raw[++j] as string, wild: false })
    else p.push({ ch, wild: ch === '%' || ch === '_' })
  }
  const memo = new Map<string, boolean>()
  const go = (i: number, j: number): boolean => {
    const k = `${i},${j}`
    const hit = memo.get(k)
    if (hit !== undefined) return hit
    let r: boolean
    const t = p[j]
    if (t === undefined) r = i === s.length
    else if (t.wild && t.ch === '%') r = go(i, j + 1) || (i < s.length && go(i + 1, j))
    else r = i < s.length && ((t.wild && t.ch === '_') || t.ch === s[i]) && go(i + 1, j + 1)
    memo.set(k, r)
    return r
  }
  return go(0, 0)
}

function holds(item: Item, tags: Tag[], c: Cond): boolean {
  if ('or' in c) return c.or.some((x) => holds(item, tags, x))
  if ('and' in c) return c.and.every((x) => holds(item, tags, x))
  const vals = leafValues(item, tags, c.field)
  return vals.some((v) => {
    switch (c.op) {
      case 'eq':
        return v !== null && v === c.value
      case '$in':
        return v !== null && (c.value as unknown[]).includes(v)
      case '$ne':
      case '$not':
        return v === null || v !== c.value
      case '$isNull':
        return c.value ? v === null : v !== null
      case '$like':
      case '$ilike':
        return like(v, c.value as string, c.op === '$ilike')
      default: {
        if (v === null) return false
        const d = cmp(v, c.value)
        if (d === undefined) return false
        return c.op === '$gt' ? d > 0 : c.op === '$gte' ? d >= 0 : c.op === '$lt' ? d < 0 : d <= 0
      }
    }
  })
}

function rank(v: unknown): number {
  return v === undefined || v === null
    ? 0
    : typeof v === 'boolean'
      ? 1
      : typeof v === 'number'
        ? 2
        : 3
}

interface Query {
  where: Cond[]
  order?: { key: string; dir: string }
  limit?: number
  offset?: number
}

function model(items: Item[], tags: Tag[], q: Query): string[] {
  let list = items.filter((it) => (q.where as Cond[]).every((c) => holds(it, tags, c)))
  const key: string = q.order?.key ?? 'serverCreatedAt'
  const sign = q.order?.dir === 'desc' ? -1 : 1
  list = [...list].sort((a, b) => {
    let d = 0
    if (key !== 'serverCreatedAt') {
      const va = (a as any)[key]
      const vb = (b as any)[key]
      d = rank(va) - rank(vb) || (rank(va) === 0 ? 0 : (cmp(va, vb) ?? 0))
    }
    if (d === 0) d = a.id < b.id ? -1 : a.id > b.id ? 1 : 0
    return sign * d
  })
  if (q.offset !== undefined) list = list.slice(q.offset)
  if (q.limit !== undefined) list = list.slice(0, q.limit)
  return list.map((x) => x.id)
}

test('engine answers match a direct in-memory evaluation', () => {
  fc.assert(
    fc.property(dataArb, queryArb, ([items, tags], q) => {
      const t = makeEngine({ schema })
      const steps: unknown[] = []
      for (const tag of tags)
        steps.push(['update', 'tags', tag.id, tag.name === undefined ? {} : { name: tag.name }])
      for (const it of items) {
        const { id, tags: tagIdx, ...attrs } = it
        steps.push(['update', 'items', id, attrs])
        if (tagIdx.length > 0)
          steps.push(['link', 'items', id, { tags: tagIdx.map((k) => tags[k]?.id) }])
      }
      // One transaction: every entity shares serverCreatedAt, so ties fall to id order.
      if (steps.length > 0) t.tx(steps)
      const $: Record<string, unknown> = {}
      if (q.where.length > 0)
        $['where'] = Object.assign({}, ...q.where.map((c: Cond) => ({ and: [toWhere(c)] })))
      if (q.where.length > 1) $['where'] = { and: q.where.map(toWhere) }
      if (q.order) $['order'] = { [q.order.key]: q.order.dir }
      if (q.limit !== undefined) $['limit'] = q.limit
      if (q.offset !== undefined) $['offset'] = q.offset
      const got = t.q({ items: { $ } }).items.map((x: { id: string }) => x.id)
      expect(got).toEqual(model(items, tags, q))
      t.db.close()
    }),
    { numRuns: 1000 },
  )
  // A bound on a hang, not a speed assertion: 1000 CPU-bound runs (about 5 s of one core on
  // CI) while the suite runs three forks on two cores.
}, 120_000)

type Mutation =
  | { kind: 'set'; item: number; n: number | null }
  | { kind: 'delete'; item: number }
  | { kind: 'create'; item: number; n: number }
  | { kind: 'failing'; item: number; n: number }

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    item: fc.nat(9),
    n: fc.option(fc.integer({ min: -3, max: 3 }), { nil: null }),
  }),
  fc.record({ kind: fc.constant('delete' as const), item: fc.nat(9) }),
  fc.record({
    kind: fc.constant('create' as const),
    item: fc.nat(9),
    n: fc.integer({ min: -3, max: 3 }),
  }),
  fc.record({
    kind: fc.constant('failing' as const),
    item: fc.nat(9),
    n: fc.integer({ min: -3, max: 3 }),
  }),
)

test('reads after writes (and after rolled-back writes) match a model', () => {
  fc.assert(
    fc.property(fc.array(mutationArb, { maxLength: 12 }), (mutations) => {
      const t = makeEngine({ schema })
      const model = new Map<string, { id: string; n?: number | null }>()
      const read = () => t.q({ items: { $: { order: { n: 'asc' } } } }).items
      const expected = () =>
        [...model.values()]
          .sort((a, b) => {
            const ra = a.n === undefined || a.n === null ? 0 : 1
            const rb = b.n === undefined || b.n === null ? 0 : 1
            const d = ra - rb || (ra === 0 ? 0 : (a.n as number) - (b.n as number))
            return d !== 0 ? d : a.id < b.id ? -1 : 1
          })
          .map((x) => ({ ...x }))
      for (const m of mutations) {
        const id = uid(m.item + 1)
        if (m.kind === 'set') {
          t.tx([['update', 'items', id, { n: m.n }]])
          model.set(id, { ...model.get(id), id, n: m.n })
        } else if (m.kind === 'delete') {
          t.tx([['delete', 'items', id, null]])
          model.delete(id)
        } else if (m.kind === 'create') {
          t.tx([['update', 'items', uid(100 + m.item), { n: m.n }]])
          model.set(uid(100 + m.item), { id: uid(100 + m.item), n: m.n })
        } else {
          // Writes, then fails on a strict update of a missing entity: nothing of it may show.
          expect(() =>
            t.tx([
              ['update', 'items', id, { n: m.n }],
              ['update', 'items', uid(300), { n: 1 }, { upsert: false }],
            ]),
          ).toThrow("Updating entities that don't exist")
        }
        // Query after every step so the namespace cache is warm while writes happen.
        expect(read()).toEqual(expected())
      }
      t.db.close()
    }),
    { numRuns: 200 },
  )
})
