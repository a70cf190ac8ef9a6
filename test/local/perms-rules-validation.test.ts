/**
 * Rules are checked when they are loaded (`startLocalInstant({ rules })`, `setRules`) and by
 * `checkRules`: every problem names its rule's path, unknown keys are refused, and refused rules
 * leave the previous ones in force.
 */
import { describe, expect, it } from 'vitest'
import { id } from '../../src/admin/index.js'
import { checkRules, startLocalInstant } from 'instant-express-auth/local'
import { localInstants, rejectionOf } from './helpers.js'

const { start } = localInstants()

const messages = (rules: unknown) => checkRules(rules).map((p) => p.message)

describe('checkRules', () => {
  it('accepts every key Instant takes', () => {
    expect(
      checkRules({
        $default: {
          allow: { $default: 'false', view: true },
          bind: ['isOwner', 'auth.id != null'],
        },
        attrs: { allow: { create: 'true' } },
        todos: {
          allow: {
            view: 'isOwner',
            create: 'isOwner',
            update: null,
            delete: 'false',
            link: { owner: 'true' },
            unlink: { $default: 'false' },
          },
          bind: { mine: 'auth.id == data.ownerId' },
          fields: { secret: 'mine' },
        },
        $users: { allow: { view: 'auth.id == data.id', delete: 'false' } },
        $files: { allow: { view: 'true' } },
        $rateLimits: { perUser: { limits: [{ capacity: 10 }] } },
      }),
    ).toEqual([])
    expect(checkRules(undefined)).toEqual([])
    expect(checkRules('{"todos":{"allow":{"view":"true"}}}')).toEqual([])
  })

  it("names the rule's path in a syntax error", () => {
    expect(checkRules({ todos: { allow: { create: 'auth.id = data.ownerId' } } })).toEqual([
      {
        path: ['todos', 'allow', 'create'],
        message: 'todos.allow.create: Unexpected character: =',
      },
    ])
    expect(messages({ todos: { fields: { secret: 'auth.id ==' } } })).toEqual([
      'todos.fields.secret: Unexpected token: EOF',
    ])
    expect(messages({ todos: { allow: { link: { owner: '(' } } } })).toEqual([
      'todos.allow.link.owner: Unexpected token: EOF',
    ])
  })

  it('refuses misspelt keys and unknown actions with their paths, all at once', () => {
    expect(
      messages({
        todos: { allwo: { view: 'true' } },
        notes: { allow: { veiw: 'true', view: 'true' } },
        $default: { allow: { view: 'true' }, fields: { x: 'true' } },
        attrs: { allow: { link: { x: 'true' } } },
      }),
    ).toEqual([
      'todos.allwo: unknown key; expected `allow`, `bind` or `fields`',
      'notes.allow.veiw: unknown action; expected `view`, `create`, `update`, `delete`, `$default`, `link` or `unlink`',
      '$default.fields: unknown key; expected `allow` or `bind`',
      'attrs.allow.link: unknown action; expected `view`, `create`, `update`, `delete` or `$default`',
    ])
  })

  it('refuses values of the wrong type, bad binds and what Instant refuses for system namespaces', () => {
    expect(
      messages({
        todos: { allow: { view: 1 }, bind: ['a', 'true', 'b'] },
        notes: { allow: 'true', bind: { x: 2 } },
        lists: 'true',
        $users: { allow: { delete: 'true' } },
        $streams: { allow: { view: 'true' } },
        $attrs: { allow: { view: 'true' } },
        posts: { allow: { view: 'true' }, fields: { id: 'false' } },
        tags: { bind: ['x', 'true', 'x', 'false'] },
      }),
    ).toEqual([
      'todos.allow.view: must be a string (a CEL expression) or a boolean; got a number',
      'todos.bind: bind should have an even number of elements',
      'notes.allow: must be an object of rules; got "true"',
      'notes.bind.x: must be a string (a CEL expression); got a number',
      'lists: must be an object with `allow`; got "true"',
      '$users.allow.delete: The $users namespace doesn\'t support permissions for delete. Set `$users.allow.delete` to `"false"`.',
      '$attrs: The $attrs namespace is a reserved internal namespace that does not yet support rules.',
      'posts.fields.id: You cannot set field rules for `id`. Use posts -> allow -> view instead',
      'tags.bind.x: bind should only contain a given variable name once',
    ])
    expect(messages([])).toEqual(['Rules must be an object; got an array.'])
    expect(messages('{"todos":')).toEqual([
      expect.stringMatching(/^The rules are not valid JSON: \S/),
    ])
  })

  it('compiles each rule with the binds it sees', () => {
    expect(
      messages({
        $default: { bind: ['signedIn', 'auth.id != null'] },
        todos: { allow: { view: 'signedIn && mine' }, bind: ['mine', 'auth.id = data.ownerId'] },
      }),
    ).toEqual(['todos.allow.view: Unexpected character: ='])
  })
})

describe('rules are checked when loaded', () => {
  it('startLocalInstant({ rules }) refuses bad rules with every path', async () => {
    const err = await rejectionOf(
      startLocalInstant({
        logger: false,
        rules: { todos: { allwo: { view: 'true' }, allow: { create: 'auth.id = 1' } } },
      }),
    )
    expect(err.type).toBe('validation-failed')
    expect(err.message).toBe(
      'Validation failed for permission: todos.allwo: unknown key; expected `allow`, `bind` or `fields`, todos.allow.create: Unexpected character: =',
    )
    expect(err.hint.errors).toEqual([
      {
        message: 'todos.allwo: unknown key; expected `allow`, `bind` or `fields`',
        in: ['todos', 'allwo'],
      },
      { message: 'todos.allow.create: Unexpected character: =', in: ['todos', 'allow', 'create'] },
    ])
  })

  it('setRules refuses bad rules and keeps the previous ones in force', async () => {
    const { local, db } = await start({ rules: { todos: { allow: { create: 'false' } } } })
    expect(() => local.setRules({ todos: { allwo: { create: 'true' } } })).toThrow(
      'Validation failed for permission: todos.allwo: unknown key; expected `allow`, `bind` or `fields`',
    )
    expect(() => local.setRules({ todos: { allow: { create: 'auth.id = 1' } } })).toThrow(
      'Validation failed for permission: todos.allow.create: Unexpected character: =',
    )
    const asGuest = db.asUser({ guest: true })
    const refused = await rejectionOf(
      asGuest.transact(asGuest.tx['todos']![id()]!.update({ title: 'x' })),
    )
    expect(refused.body.type).toBe('permission-denied')
    expect(refused.body.hint.rule).toBe('false')
    expect(local.ruleCoverage().map((r) => `${r.namespace}.${r.action}: ${r.rule}`)).toEqual([
      'todos.create: false',
    ])
  })
})
