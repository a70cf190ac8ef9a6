/** The testing entry from a consumer's point of view: every name, against a real Local Instant. */
import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { id } from 'instant-express-auth/admin'
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type InstantTestEnvironment,
} from 'instant-express-auth/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { PERMS_TS, SCHEMA_TS, tempProject } from '../local/project-fixtures.js'

const RULES = {
  todos: {
    allow: {
      view: 'auth.id != null',
      create: 'auth.id != null && auth.id == newData.ownerId',
      update: 'auth.id == data.ownerId',
      delete: 'auth.id == data.ownerId',
    },
  },
}

describe('initializeTestEnvironment with rules objects', () => {
  let env: InstantTestEnvironment
  beforeAll(async () => {
    env = await initializeTestEnvironment({ rules: RULES })
  })
  afterAll(() => env.cleanup())
  beforeEach(() => env.clearData())

  it('exposes appId, adminToken, apiURI, mailbox and an admin db', async () => {
    expect(env.appId).toMatch(/^[0-9a-f-]{36}$/)
    expect(env.adminToken).toMatch(/^[0-9a-f-]{36}$/)
    expect(env.apiURI).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(env.mailbox.list()).toEqual([])
    expect(env.rulesFile).toBeUndefined()
    expect(await env.db.query({ todos: {} })).toEqual({ todos: [] })
  })

  it('authenticatedContext creates the user once and acts as them, rules applied', async () => {
    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    expect(alice.user.email).toBe('alice@example.com')
    expect(alice.token).toBe(alice.user.refresh_token)
    const again = await env.authenticatedContext({ email: 'alice@example.com' })
    expect(again.user.id).toBe(alice.user.id)
    expect(again.token).not.toBe(alice.token)

    const todo = id()
    await assertSucceeds(
      alice.db.transact(
        alice.db.tx['todos']![todo]!.update({ title: 'milk', ownerId: alice.user.id }),
      ),
    )
    const byId = await env.authenticatedContext({ id: alice.user.id })
    expect(byId.user.email).toBe('alice@example.com')

    const bob = await env.authenticatedContext({ email: 'bob@example.com' })
    const denied = await assertFails(
      bob.db.transact(bob.db.tx['todos']![todo]!.update({ title: 'x' })),
    )
    expect(denied.namespace).toBe('todos')
    expect(denied.action).toBe('update')
    expect(denied.rule).toBe('auth.id == data.ownerId')
    expect(denied.rulePath).toEqual(['todos', 'allow', 'update'])
  })

  it('authenticatedContext({ id }) creates a user with that id', async () => {
    const userId = id()
    const ctx = await env.authenticatedContext({ id: userId })
    expect(ctx.user.id).toBe(userId)
    expect(ctx.user.email).toBeUndefined()
  })

  it('authenticatedContext takes exactly one of email and id', async () => {
    await expect(env.authenticatedContext({} as { email: string })).rejects.toThrow(
      'authenticatedContext() takes { email } or { id }',
    )
  })

  it('guestContext signs in a guest user; unauthenticatedContext has no user', async () => {
    const guest = await env.guestContext()
    expect(guest.user.type).toBe('guest')
    expect(guest.user.email).toBeUndefined()
    await assertSucceeds(
      guest.db.transact(
        guest.db.tx['todos']![id()]!.update({ title: 'g', ownerId: guest.user.id }),
      ),
    )
    const nobody = env.unauthenticatedContext()
    // `view: auth.id != null`: nothing is visible, and a create is refused.
    expect(await nobody.db.query({ todos: {} })).toEqual({ todos: [] })
    const denied = await assertFails(
      nobody.db.transact(nobody.db.tx['todos']![id()]!.update({ title: 'n', ownerId: 'x' })),
    )
    expect(denied.action).toBe('create')
  })

  it('withRulesDisabled seeds through the admin db and returns what fn returns', async () => {
    const todo = id()
    const result = await env.withRulesDisabled(async (db) => {
      await db.transact(db.tx['todos']![todo]!.update({ title: 'seeded', ownerId: 'nobody' }))
      return 'done'
    })
    expect(result).toBe('done')
    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    const { todos } = await alice.db.query({ todos: {} })
    expect(todos.map((t) => t['title'])).toEqual(['seeded'])
  })

  it('clearData removes entities, users and tokens, and keeps attributes and rules', async () => {
    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    await alice.db.transact(
      alice.db.tx['todos']![id()]!.update({ title: 'a', ownerId: alice.user.id }),
    )
    await env.db.auth.sendMagicCode('carol@example.com')
    expect(env.mailbox.list()).toHaveLength(1)
    await env.clearData()
    expect(await env.db.query({ todos: {} })).toEqual({ todos: [] })
    expect(await env.db.auth.getUser({ email: 'alice@example.com' })).toBeNull()
    await expect(env.db.auth.verifyToken(alice.token)).rejects.toMatchObject({ status: 400 })
    expect(env.mailbox.list()).toEqual([])
    // Rules still in force: a guest cannot create.
    await assertFails(
      env.unauthenticatedContext().db.transact(env.db.tx['todos']![id()]!.update({ title: 'x' })),
    )
  })

  it('setRules replaces the rules; a bad rule throws and the old ones stay', async () => {
    const nobody = env.unauthenticatedContext()
    // The rules in force refuse something, so a refused setRules that dropped them would show.
    env.setRules({ todos: { allow: { create: 'true', delete: 'false' } } })
    const todo = id()
    await assertSucceeds(nobody.db.transact(nobody.db.tx['todos']![todo]!.update({ title: 'ok' })))
    expect(() => env.setRules({ todos: { allow: { create: 'auth.id ==' } } })).toThrow(
      'todos.allow.create',
    )
    await assertSucceeds(nobody.db.transact(nobody.db.tx['todos']![id()]!.update({ title: 'ok' })))
    await assertFails(nobody.db.transact(nobody.db.tx['todos']![todo]!.delete()))
    env.setRules(RULES)
  })

  it('setSchema adds attributes (a unique name)', async () => {
    env.setSchema({
      entities: { tags: { attrs: { name: { valueType: 'string', config: { unique: true } } } } },
      links: {},
    })
    await env.db.transact(env.db.tx['tags']![id()]!.update({ name: 'a' }))
    await expect(
      env.db.transact(env.db.tx['tags']![id()]!.update({ name: 'a' })),
    ).rejects.toMatchObject({ body: { type: 'record-not-unique' } })
  })
})

describe('initializeTestEnvironment with the project’s files', () => {
  const projects: ReturnType<typeof tempProject>[] = []
  const envs: InstantTestEnvironment[] = []
  afterEach(async () => {
    await Promise.all(envs.splice(0).map((e) => e.cleanup()))
    projects.splice(0).forEach((p) => p.remove())
  })
  const project = () => {
    const p = tempProject()
    projects.push(p)
    return { ...p, dir: realpathSync(p.dir) }
  }

  it('loads src/instant.perms.ts and instant.schema.ts from projectDir', async () => {
    const p = project()
    p.write('instant.schema.ts', SCHEMA_TS)
    p.write('src/instant.perms.ts', PERMS_TS)
    const env = await initializeTestEnvironment({ projectDir: p.dir })
    envs.push(env)
    expect(env.schemaFile).toBe(join(p.dir, 'instant.schema.ts'))
    expect(env.rulesFile).toBe(join(p.dir, 'src/instant.perms.ts'))
    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    const todo = id()
    await assertSucceeds(alice.db.transact(alice.db.tx['todos']![todo]!.update({ title: 'milk' })))
    // `delete: 'false'` from instant.perms.ts
    const denied = await assertFails(alice.db.transact(alice.db.tx['todos']![todo]!.delete()))
    expect(denied.rule).toBe('false')
    // The schema is in force: `title` is a string attribute, so a number is refused.
    await expect(
      env.db.transact(env.db.tx['todos']![id()]!.update({ title: 42 })),
    ).rejects.toMatchObject({ status: 400 })
  })

  it('rules / rulesFile override the project’s file', async () => {
    const p = project()
    p.write('instant.perms.ts', PERMS_TS)
    p.write('other.ts', 'export default { todos: { allow: { create: "false" } } }\n')
    const env = await initializeTestEnvironment({ projectDir: p.dir, rulesFile: 'other.ts' })
    envs.push(env)
    expect(env.rulesFile).toBe('other.ts')
    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    const denied = await assertFails(
      alice.db.transact(alice.db.tx['todos']![id()]!.update({ t: 1 })),
    )
    expect(denied.rule).toBe('false')
    const open = await initializeTestEnvironment({ projectDir: p.dir, rules: {} })
    envs.push(open)
    expect(open.rulesFile).toBeUndefined()
    const bob = await open.authenticatedContext({ email: 'bob@example.com' })
    await assertSucceeds(bob.db.transact(bob.db.tx['todos']![id()]!.delete()))
  })

  it('a perms file without a default export is refused, naming the file', async () => {
    const p = project()
    const file = p.write('instant.perms.ts', 'export const rules = {}\n')
    await expect(initializeTestEnvironment({ projectDir: p.dir })).rejects.toThrow(
      `${file}: no default export (it exports rules); Instant reads the rules from \`export default rules\``,
    )
  })

  it('a rule that does not compile names the file and the rule', async () => {
    const p = project()
    const file = p.write(
      'instant.perms.ts',
      'export default { todos: { allow: { view: "a ==" } } }\n',
    )
    await expect(initializeTestEnvironment({ projectDir: p.dir })).rejects.toThrow(
      `${file}: Validation failed for permission: todos.allow.view: `,
    )
  })

  it('unknown options and both rules and rulesFile are option errors', async () => {
    await expect(initializeTestEnvironment({ rule: {} } as never)).rejects.toThrow(
      'initializeTestEnvironment',
    )
    await expect(initializeTestEnvironment({ rules: {}, rulesFile: 'x.ts' })).rejects.toThrow(
      'initializeTestEnvironment(): `rulesFile` must not be given with `rules`; got both.',
    )
  })
})

describe('initializeTestEnvironment({ backup })', () => {
  // The fixture folder has no instant.perms.ts: the backup's own rules apply.
  const FIXTURES = fileURLToPath(new URL('../fixtures/backup/', import.meta.url))
  const ALICE = 'a11ce000-0000-4000-8000-000000000001'
  const BOB = 'b0b00000-0000-4000-8000-000000000002'

  it('starts from an archive (relative to projectDir): its entities, links, users and rules', async () => {
    const env = await initializeTestEnvironment({ backup: 'app.zip', projectDir: FIXTURES })
    try {
      const { profiles } = (await env.db.query({ profiles: { user: {} } })) as unknown as {
        profiles: { handle: string; user: { id: string }[] }[]
      }
      expect(profiles.map((p) => [p.handle, p.user[0]?.id]).sort()).toEqual([
        ['alice', ALICE],
        ['bob', BOB],
      ])
      // posts.allow.view: published ones, or the author's own.
      const { posts } = (await env.db.query({ posts: {} })) as unknown as {
        posts: { id: string; published: boolean }[]
      }
      const published = posts.filter((p) => p.published).map((p) => p.id)
      expect(published.length).toBeGreaterThan(0)
      expect(published.length).toBeLessThan(posts.length)
      const guest = env.unauthenticatedContext()
      const seen = (await guest.db.query({ posts: {} })) as unknown as { posts: { id: string }[] }
      expect(seen.posts.map((p) => p.id).sort()).toEqual(published.sort())
      await env.clearData()
      expect(await env.db.query({ posts: {} })).toEqual({ posts: [] })
    } finally {
      await env.cleanup()
    }
  })

  it('refuses a backup that is not a path', async () => {
    await expect(initializeTestEnvironment({ backup: '' })).rejects.toThrow(
      new TypeError(
        'initializeTestEnvironment(): `backup` must be the path of a backup archive, e.g. "backup.zip"; got a string.',
      ),
    )
  })
})
