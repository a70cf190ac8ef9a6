import { i } from '@instantdb/admin'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { compileLike } from '../../../src/local/data/like.js'
import { GUEST, makeEngine, uid } from './helpers.js'

/** The backtracking reference: fine for short inputs, exponential for pathological ones. */
function referenceLike(pattern: string, value: string, ci: boolean): boolean {
  let src = ''
  const chars = Array.from(pattern)
  for (let k = 0; k < chars.length; k++) {
    const ch = chars[k] as string
    if (ch === '\\' && k + 1 < chars.length)
      src += (chars[++k] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    else if (ch === '%') src += '[\\s\\S]*'
    else if (ch === '_') src += '[\\s\\S]'
    else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  }
  return new RegExp(`^${src}$`, ci ? 'iu' : 'u').test(value)
}

describe('compileLike', () => {
  test.each([
    ['abc', 'abc', false, true],
    ['abc', 'abcd', false, false],
    ['a%', 'abc', false, true],
    ['%c', 'abc', false, true],
    ['%b%', 'abc', false, true],
    ['%', '', false, true],
    ['_', '', false, false],
    ['a_c', 'abc', false, true],
    ['a_c', 'ac', false, false],
    ['ABC', 'abc', false, false],
    ['ABC', 'abc', true, true],
    ['%B%', 'abc', true, true],
    ['100\\%', '100%', false, true],
    ['100\\%', '1000', false, false],
    ['a\\_c', 'a_c', false, true],
    ['a\\_c', 'abc', false, false],
    ['a\\\\c', 'a\\c', false, true],
    ['%a%a%', 'aa', false, true],
    ['%a%a%', 'a', false, false],
    ['_😀_', 'x😀y', false, true],
    ['😀%', 'abc', false, false],
    ['%😀', 'a😀', false, true],
    ['a_', 'a😀', false, true],
    ['%b_', 'ab😀', false, true],
    ['a%b%c', 'abbbc', false, true],
    ['a%b%c', 'acb', false, false],
  ])('%s against %s (ci=%s) is %s', (pattern, value, ci, expected) => {
    expect(compileLike(pattern, ci).test(value)).toBe(expected)
  })

  test('agrees with a regex translation on small inputs', () => {
    const alphabet = fc.constantFrom('a', 'b', 'A', '%', '_', '\\', '😀')
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }).map((a) => a.join('')),
        fc
          .array(fc.constantFrom('a', 'b', 'A', '%', '_', '\\', '😀'), { maxLength: 10 })
          .map((a) => a.join('')),
        fc.boolean(),
        (pattern, value, ci) =>
          compileLike(pattern, ci).test(value) === referenceLike(pattern, value, ci),
      ),
      { numRuns: 2000 },
    )
  })

  test('a pathological pattern against a 40-character value answers (no backtracking)', () => {
    // 32 characters: a backtracking regex takes minutes here.
    const pattern = '%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%b'
    expect(pattern).toHaveLength(32)
    expect(compileLike(pattern, false).test('a'.repeat(40))).toBe(false)
    expect(compileLike(pattern, true).test('a'.repeat(40))).toBe(false)
    expect(compileLike(pattern, false).test(`${'a'.repeat(40)}b`)).toBe(true)
  })
})

describe('$like in a guest query', () => {
  test('a pathological pattern answers promptly with the right rows', () => {
    const t = makeEngine({
      schema: i.schema({
        entities: { notes: i.entity({ body: i.string() }) },
        links: {},
        rooms: {},
      }),
    })
    t.tx([
      ['update', 'notes', uid(1), { body: 'a'.repeat(40) }],
      ['update', 'notes', uid(2), { body: `${'a'.repeat(40)}b` }],
      ['update', 'notes', uid(3), { body: '100% sure' }],
    ])
    const q = (where: Record<string, unknown>) =>
      t.q({ notes: { $: { where } } }, GUEST).notes.map((n: { id: string }) => n.id)
    expect(q({ body: { $like: '%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%b' } })).toEqual([uid(2)])
    expect(q({ body: { $ilike: '%A%A%A%A%A%A%A%A%A%A%A%A%A%A%A%B' } })).toEqual([uid(2)])
    expect(q({ body: { $like: '100\\%%' } })).toEqual([uid(3)])
  })
})
