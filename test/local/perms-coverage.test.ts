/**
 * `local.ruleCoverage()`: one row per rule in force with how often it ran and what it answered,
 * never-run rules with zeros; `resetRuleCoverage()` starts again.
 */
import { describe, expect, it } from 'vitest'
import { id } from '../../src/admin/index.js'
import { localInstants, rejectionOf } from './helpers.js'

const { start } = localInstants()

const RULES = {
  $default: { allow: { delete: 'false' } },
  todos: {
    allow: {
      view: "data.title != 'hidden'",
      create: 'auth.id != null',
      update: 'data.n / newData.n >= 0',
      link: { owner: 'true' },
    },
    fields: { secret: 'false' },
  },
}

const zeros = { evaluated: 0, allowed: 0, denied: 0, errors: 0 }

describe('rule coverage', () => {
  it('counts evaluations, allows, denials and errors per rule, listing unused rules with zeros', async () => {
    const { local, db } = await start({ rules: RULES })
    expect(local.ruleCoverage()).toEqual([
      { namespace: '$default', action: 'delete', rule: 'false', ...zeros },
      { namespace: 'todos', action: 'view', rule: "data.title != 'hidden'", ...zeros },
      { namespace: 'todos', action: 'create', rule: 'auth.id != null', ...zeros },
      { namespace: 'todos', action: 'update', rule: 'data.n / newData.n >= 0', ...zeros },
      { namespace: 'todos', action: 'link.owner', rule: 'true', ...zeros },
      { namespace: 'todos', action: 'fields.secret', rule: 'false', ...zeros },
    ])
    const [a, b] = [id(), id()]
    await db.transact([
      db.tx['todos']![a]!.update({ title: 'shown', n: 1, secret: 's' }),
      db.tx['todos']![b]!.update({ title: 'hidden', n: 1 }),
    ])
    // Admin calls evaluate nothing.
    expect(local.ruleCoverage().every((row) => row.evaluated === 0)).toBe(true)

    const guest = db.asUser({ guest: true })
    expect((await guest.query({ todos: {} }))['todos']).toEqual([{ id: a, title: 'shown', n: 1 }])
    await rejectionOf(guest.transact(guest.tx['todos']![id()]!.update({ title: 'new' })))
    await rejectionOf(guest.transact(guest.tx['todos']![a]!.delete()))
    // 1 / 0 is a CEL error: the rule fails while running.
    const failed = await rejectionOf(guest.transact(guest.tx['todos']![a]!.update({ n: 0 })))
    expect(failed.body.type).toBe('permission-evaluation-failed')
    await guest.transact(guest.tx['todos']![a]!.update({ n: 2 }))

    const byAction = Object.fromEntries(
      local
        .ruleCoverage()
        .map(({ namespace, action, ...counts }) => [`${namespace}.${action}`, counts]),
    )
    expect(byAction).toEqual({
      '$default.delete': { rule: 'false', evaluated: 1, allowed: 0, denied: 1, errors: 0 },
      'todos.view': {
        rule: "data.title != 'hidden'",
        evaluated: 2,
        allowed: 1,
        denied: 1,
        errors: 0,
      },
      'todos.create': { rule: 'auth.id != null', evaluated: 1, allowed: 0, denied: 1, errors: 0 },
      'todos.update': {
        rule: 'data.n / newData.n >= 0',
        evaluated: 2,
        allowed: 1,
        denied: 0,
        errors: 1,
      },
      'todos.link.owner': { rule: 'true', ...zeros },
      // Checked once for the one viewable todo that has it.
      'todos.fields.secret': { rule: 'false', evaluated: 1, allowed: 0, denied: 1, errors: 0 },
    })
  })

  it('keeps the counts of rules a setRules keeps, lists only rules in force, and resets', async () => {
    const { local, db } = await start({ rules: { todos: { allow: { create: 'true' } } } })
    const guest = db.asUser({ guest: true })
    await guest.transact(guest.tx['todos']![id()]!.update({ title: 'x' }))
    local.setRules({ todos: { allow: { create: 'true', view: 'true' } } })
    expect(local.ruleCoverage()).toEqual([
      { namespace: 'todos', action: 'create', rule: 'true', ...zeros, evaluated: 1, allowed: 1 },
      { namespace: 'todos', action: 'view', rule: 'true', ...zeros },
    ])
    local.setRules({ todos: { allow: { create: 'auth.id != null' } } })
    expect(local.ruleCoverage()).toEqual([
      { namespace: 'todos', action: 'create', rule: 'auth.id != null', ...zeros },
    ])
    local.setRules({ todos: { allow: { create: 'true' } } })
    expect(local.ruleCoverage()[0]?.evaluated).toBe(1)
    local.resetRuleCoverage()
    expect(local.ruleCoverage()).toEqual([
      { namespace: 'todos', action: 'create', rule: 'true', ...zeros },
    ])
  })
})

describe('link rules', () => {
  it('allow.link.$default stands in for a label without its own rule, and is counted', async () => {
    const { local, db } = await start({
      rules: { todos: { allow: { link: { $default: 'false', owner: 'true' }, create: 'true' } } },
    })
    const guest = db.asUser({ guest: true })
    const [todo, tag, owner] = [id(), id(), id()]
    await db.transact([
      db.tx['tags']![tag]!.update({ name: 't' }),
      db.tx['owners']![owner]!.update({ name: 'o' }),
    ])
    await guest.transact(guest.tx['todos']![todo]!.update({ title: 'x' }).link({ owner }))
    const refused = await rejectionOf(guest.transact(guest.tx['todos']![todo]!.link({ tags: tag })))
    expect(refused.body.hint).toMatchObject({
      action: 'link',
      rule: 'false',
      'rule-path': ['todos', 'allow', 'link', '$default'],
    })
    expect(local.ruleCoverage().filter((r) => r.action.startsWith('link.'))).toEqual([
      {
        namespace: 'todos',
        action: 'link.$default',
        rule: 'false',
        ...zeros,
        evaluated: 1,
        denied: 1,
      },
      {
        namespace: 'todos',
        action: 'link.owner',
        rule: 'true',
        ...zeros,
        evaluated: 1,
        allowed: 1,
      },
    ])
  })
})
