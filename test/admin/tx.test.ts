import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { tx as sdkTx, lookup as sdkLookup, id as sdkId } from '@instantdb/admin'
import { tx, lookup, id } from '../../src/admin/index.js'

const G = '8aa6b1c2-d3e4-4f56-a789-0b1c2d3e4f50'
const T = '1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081'

/** The steps as they go on the wire. */
const wire = (chunk: { __ops: unknown }) => JSON.parse(JSON.stringify(chunk.__ops))

describe('transaction builder', () => {
  const cases: [string, (t: any, lk: typeof lookup) => { __ops: unknown }][] = [
    ['update', (t) => t.goals[G].update({ title: 'x' })],
    ['update with upsert:false', (t) => t.goals[G].update({ title: 'x' }, { upsert: false })],
    ['create', (t) => t.goals[G].create({ title: 'x' })],
    ['merge', (t) => t.goals[G].merge({ meta: { a: 1 } })],
    ['merge with opts', (t) => t.goals[G].merge({ meta: { a: 1 } }, { upsert: false })],
    ['link one', (t) => t.goals[G].link({ todos: T })],
    ['link many', (t) => t.goals[G].link({ todos: [T, G] })],
    ['unlink', (t) => t.goals[G].unlink({ todos: T })],
    ['delete', (t) => t.goals[G].delete()],
    ['ruleParams', (t) => t.docs[G].ruleParams({ k: 'v' })],
    ['lookup as id', (t, lk) => t.users[lk('email', 'a@b.co')].update({ n: 1 })],
    ['.lookup()', (t) => t.users.lookup('email', 'a@b.co').update({ n: 1 })],
    ['lookup as link target', (t, lk) => t.goals[G].link({ owner: lk('email', 'a@b.co') })],
    ['lookup with a number', (t, lk) => t.users[lk('age', 42)].delete()],
    ['chaining', (t) => t.goals[G].update({ a: 1 }).link({ todos: T }).unlink({ x: G }).delete()],
  ]

  it.each(cases)('%s equals the SDK builder', (_label, build) => {
    expect(wire(build(tx, lookup))).toEqual(wire(build(sdkTx, sdkLookup)))
  })

  it('produces the contract §4.1 tuples', () => {
    expect(wire(tx.goals![G]!.update({ title: 'x' }, { upsert: false }))).toEqual([
      ['update', 'goals', G, { title: 'x' }, { upsert: false }],
    ])
    expect(JSON.stringify(tx.goals![G]!.delete().__ops)).toBe(`[["delete","goals","${G}",null]]`)
    expect(wire(tx.users![lookup('email', 'a@b.co')]!.update({}))).toEqual([
      ['update', 'users', ['email', 'a@b.co'], {}],
    ])
    expect(lookup('email', 'a@b.co')).toBe('lookup__email__"a@b.co"')
  })

  it('chunks are immutable: chaining returns a new chunk', () => {
    const base = tx.goals![G]!.update({ a: 1 })
    const more = base.delete()
    expect(base.__ops).toHaveLength(1)
    expect(more.__ops).toHaveLength(2)
    expect(more.__etype).toBe('goals')
  })

  it('lookup encodes like the SDK for any JSON value', () => {
    fc.assert(
      fc.property(fc.string(), fc.jsonValue(), (attr, value) => {
        expect(lookup(attr, value)).toBe(sdkLookup(attr, value))
      }),
    )
  })

  it('a lookup id parses like the SDK for any value, including ones with "__"', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), fc.jsonValue(), (attr, value) => {
        // An attr ending in "_" makes an ambiguous key: both builders then throw.
        const outcome = (build: () => { __ops: unknown }) => {
          try {
            return wire(build())
          } catch (error) {
            return (error as Error).name
          }
        }
        expect(outcome(() => tx.ns![lookup(attr, value)]!.delete())).toEqual(
          outcome(() => (sdkTx as any).ns[sdkLookup(attr, value)].delete()),
        )
      }),
    )
  })
})

describe('id', () => {
  it('returns a fresh UUID v4 like the SDK', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    expect(id()).toMatch(v4)
    expect(sdkId()).toMatch(v4)
    expect(id()).not.toBe(id())
  })
})
