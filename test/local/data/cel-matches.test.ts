import { i } from '@instantdb/admin'
import { describe, expect, test } from 'vitest'
import { GUEST, errorOf, makeEngine, uid } from './helpers.js'

const schema = i.schema({
  entities: { handles: i.entity({ name: i.string(), pattern: i.string().optional() }) },
  links: {},
  rooms: {},
})

const ids = (rows: { id: string }[]) => rows.map((r) => r.id)

describe('CEL matches() runs on RE2 semantics', () => {
  test('a guest-written value cannot hang the server under a nested-quantifier rule', () => {
    const t = makeEngine({
      schema,
      rules: { handles: { allow: { view: "data.name.matches('^([a-z]+)+$')" } } },
    })
    // JavaScript's backtracking engine takes minutes on 40 letters and a `!`.
    t.tx([
      ['update', 'handles', uid(1), { name: `${'a'.repeat(40)}!` }],
      ['update', 'handles', uid(2), { name: 'abc' }],
    ])
    expect(ids(t.q({ handles: {} }, GUEST).handles)).toEqual([uid(2)])
  })

  test('matches() finds a match anywhere unless anchored, as CEL specifies', () => {
    const t = makeEngine({
      schema,
      rules: { handles: { allow: { view: "data.name.matches('b+')" } } },
    })
    t.tx([
      ['update', 'handles', uid(1), { name: 'abbc' }],
      ['update', 'handles', uid(2), { name: 'ac' }],
    ])
    expect(ids(t.q({ handles: {} }, GUEST).handles)).toEqual([uid(1)])
    t.engine.setRules({ handles: { allow: { view: "data.name.matches('^b')" } } })
    expect(ids(t.q({ handles: {} }, GUEST).handles)).toEqual([])
  })

  test('a pattern taken from data runs on RE2 too, and one RE2 refuses fails the rule', () => {
    const t = makeEngine({
      schema,
      rules: { handles: { allow: { view: 'data.name.matches(data.pattern)' } } },
    })
    t.tx([
      ['update', 'handles', uid(1), { name: `${'a'.repeat(40)}!`, pattern: '^(a|aa)+$' }],
      ['update', 'handles', uid(2), { name: 'aaa', pattern: '^(a|aa)+$' }],
    ])
    expect(ids(t.q({ handles: {} }, GUEST).handles)).toEqual([uid(2)])
    t.tx([['update', 'handles', uid(3), { name: 'aa', pattern: '(a)\\1' }]])
    expect(errorOf(() => t.q({ handles: {} }, GUEST)).type).toBe('permission-evaluation-failed')
  })

  test('a literal pattern RE2 refuses (backreference, lookahead) is refused when rules load', () => {
    const t = makeEngine({ schema, rules: { handles: { allow: { view: 'true' } } } })
    for (const pattern of ['(a)\\\\1', 'a(?=b)']) {
      const e = errorOf(() =>
        t.engine.setRules({ handles: { allow: { view: `data.name.matches('${pattern}')` } } }),
      )
      expect(e.type).toBe('validation-failed')
      expect(JSON.stringify(e.toBody())).toContain('matches(): the pattern is not valid RE2 syntax')
    }
    // The previous rules stay.
    t.tx([['update', 'handles', uid(1), { name: 'x' }]])
    expect(ids(t.q({ handles: {} }, GUEST).handles)).toEqual([uid(1)])
  })

  test('the word matches inside a string literal is left alone', () => {
    const t = makeEngine({
      schema,
      rules: { handles: { allow: { view: "data.name == 'x.matches(y)'" } } },
    })
    t.tx([
      ['update', 'handles', uid(1), { name: 'x.matches(y)' }],
      ['update', 'handles', uid(2), { name: 'x' }],
    ])
    expect(ids(t.q({ handles: {} }, GUEST).handles)).toEqual([uid(1)])
  })
})
