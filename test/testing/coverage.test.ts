/** Rule coverage through the testing entry: rows, and the JSON + HTML report. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { id } from 'instant-express-auth/admin'
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type InstantTestEnvironment,
} from 'instant-express-auth/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let env: InstantTestEnvironment
const dir = mkdtempSync(join(tmpdir(), 'instant-coverage-'))
beforeAll(async () => {
  env = await initializeTestEnvironment({
    rules: {
      todos: {
        allow: { create: 'auth.id != null', delete: 'false', update: 'auth.id == data.ownerId' },
      },
      notes: { allow: { view: 'true' } },
    },
  })
})
afterAll(async () => {
  await env.cleanup()
  rmSync(dir, { recursive: true, force: true })
})

describe('rule coverage', () => {
  it('counts each rule the tests ran, never-run rules with zeros', async () => {
    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    const todo = id()
    await assertSucceeds(
      alice.db.transact(
        alice.db.tx['todos']![todo]!.update({ title: 'a', ownerId: alice.user.id }),
      ),
    )
    await assertFails(alice.db.transact(alice.db.tx['todos']![todo]!.delete()))
    await assertFails(
      env.unauthenticatedContext().db.transact(env.db.tx['todos']![id()]!.update({ title: 'b' })),
    )
    const rows = env.ruleCoverage()
    const row = (action: string) => rows.find((r) => r.namespace === 'todos' && r.action === action)
    expect(row('create')).toEqual({
      namespace: 'todos',
      action: 'create',
      rule: 'auth.id != null',
      evaluated: 2,
      allowed: 1,
      denied: 1,
      errors: 0,
    })
    expect(row('delete')).toMatchObject({ rule: 'false', evaluated: 1, allowed: 0, denied: 1 })
    expect(row('update')).toMatchObject({ evaluated: 0, allowed: 0, denied: 0, errors: 0 })
    expect(rows.find((r) => r.namespace === 'notes')).toMatchObject({
      action: 'view',
      evaluated: 0,
    })
  })

  it('writeRuleCoverage writes the rows as JSON and a small HTML report beside it', async () => {
    const files = await env.writeRuleCoverage(join(dir, 'coverage/rules.json'))
    expect(files).toEqual({
      json: join(dir, 'coverage/rules.json'),
      html: join(dir, 'coverage/rules.html'),
    })
    const json = JSON.parse(readFileSync(files.json, 'utf8')) as { rules: unknown[] }
    expect(json.rules).toEqual(env.ruleCoverage())
    const html = readFileSync(files.html, 'utf8')
    expect(html).toContain('<title>Rule coverage</title>')
    expect(html).toContain(`of ${env.ruleCoverage().length} rules evaluated`)
    // The rule text is escaped; the never-run update rule is marked.
    expect(html).toContain(
      '<tr class="never"><td>todos</td><td>update</td><td><code>auth.id == data.ownerId</code></td>',
    )
    expect(html).toContain('<code>auth.id != null</code>')
  })

  it('escapes rule text in the HTML', async () => {
    env.setRules({ todos: { allow: { view: "data.title != '<b>'" } } })
    const files = await env.writeRuleCoverage(join(dir, 'escaped.json'))
    const html = readFileSync(files.html, 'utf8')
    expect(html).toContain('<code>data.title != &#39;&#60;b&#62;&#39;</code>')
    expect(html).not.toContain('<b>')
  })
})
