import { init } from '@instantdb/admin'
import { afterEach, describe, expect, it } from 'vitest'
import { startLocalInstant, type LocalInstant } from 'instant-express-auth/local'
import { loadRulesFile, loadSchemaFile } from '../../src/local/project/index.js'
import { TYPESCRIPT_LOADER_INSTALL } from '../../src/local/project/load-module.js'
import { PERMS_TS, SCHEMA_TS, tempProject } from './project-fixtures.js'
import { rejectionOf } from './helpers.js'

const projects: ReturnType<typeof tempProject>[] = []
const locals: LocalInstant[] = []
afterEach(async () => {
  await Promise.all(locals.splice(0).map((l) => l.close()))
  projects.splice(0).forEach((p) => p.remove())
})
function project() {
  const p = tempProject()
  projects.push(p)
  return p
}

describe('loading a project file', () => {
  it('loads instant.perms.ts and instant.schema.ts (TypeScript, on Node 20 through jiti)', async () => {
    const p = project()
    const rules = await loadRulesFile(p.write('instant.perms.ts', PERMS_TS))
    expect(rules).toEqual({
      todos: {
        allow: {
          view: 'auth.id != null',
          create: 'auth.id != null',
          update: 'auth.id in data.ref("owner.id")',
          delete: 'false',
        },
      },
    })
    const schema = (await loadSchemaFile(p.write('instant.schema.ts', SCHEMA_TS))) as {
      entities: Record<string, { attrs: Record<string, unknown> }>
    }
    expect(Object.keys(schema.entities)).toEqual(['$users', 'todos'])
    expect(Object.keys(schema.entities['todos']?.attrs ?? {})).toEqual(['title', 'done'])
  })

  it.each([
    ['rules.mjs', 'export default { todos: { allow: { view: "true" } } }'],
    ['rules.js', 'export default { todos: { allow: { view: "true" } } }'],
    ['rules.cjs', 'module.exports = { todos: { allow: { view: "true" } } }'],
    ['rules.mts', 'const r: object = { todos: { allow: { view: "true" } } }\nexport default r'],
    ['rules.cts', 'const r: object = { todos: { allow: { view: "true" } } }\nexport default r'],
    ['rules.json', '{ "todos": { "allow": { "view": "true" } } }'],
  ])('loads %s', async (name, text) => {
    const p = project()
    p.write('package.json', '{ "type": "module" }')
    expect((await rejectionOf(loadRulesFile(name, p.dir))).message).toContain('could not load')
    p.write(name, text)
    expect(await loadRulesFile(name, p.dir)).toEqual({ todos: { allow: { view: 'true' } } })
  })

  it('reads the file again on every load (the CLI watches it)', async () => {
    const p = project()
    const file = p.write('instant.perms.ts', 'export default { a: { allow: { view: "true" } } }')
    expect(await loadRulesFile(file)).toEqual({ a: { allow: { view: 'true' } } })
    p.write('instant.perms.ts', 'export default { b: { allow: { view: "false" } } }')
    expect(await loadRulesFile(file)).toEqual({ b: { allow: { view: 'false' } } })
    const js = p.write('rules.mjs', 'export default { a: {} }')
    expect(await loadRulesFile(js)).toEqual({ a: {} })
    p.write('rules.mjs', 'export default { b: {} }')
    expect(await loadRulesFile(js)).toEqual({ b: {} })
  })

  it('refuses a module without a default export, naming the file and what it exports', async () => {
    const p = project()
    const file = p.write(
      'instant.perms.ts',
      'export const rules = { todos: {} }\nexport const x = 1\n',
    )
    const error = await rejectionOf(loadRulesFile(file))
    expect(error.code).toBe('INSTANT_PROJECT_FILE_INVALID')
    expect(error.file).toBe(file)
    expect(error.message).toBe(
      `${file}: no default export (it exports rules, x); Instant reads the rules from \`export default rules\``,
    )
    const empty = p.write('instant.schema.ts', 'export {}\n')
    expect((await rejectionOf(loadSchemaFile(empty))).message).toBe(
      `${empty}: no default export; Instant reads the schema from \`export default schema\``,
    )
  })

  it('refuses a default export that is not a schema or a rules object', async () => {
    const p = project()
    const schema = p.write('instant.schema.ts', 'export default { todos: {} }\n')
    expect((await rejectionOf(loadSchemaFile(schema))).message).toBe(
      `${schema}: the default export is not a schema (make it \`i.schema({ … })\`)`,
    )
    const rules = p.write('instant.perms.ts', 'export default ["todos"]\n')
    expect((await rejectionOf(loadRulesFile(rules))).message).toBe(
      `${rules}: the default export is not a rules object ({ todos: { allow } })`,
    )
  })

  it('a syntax error names the file', async () => {
    const p = project()
    const file = p.write('instant.perms.ts', 'export default { todos: { allow: { view: } }\n')
    const error = await rejectionOf(loadRulesFile(file))
    expect(error.code).toBe('INSTANT_PROJECT_FILE_INVALID')
    expect(error.message.startsWith(`${file}: could not load: `)).toBe(true)
  })

  it('without type stripping and without jiti, says the exact install command', async () => {
    const p = project()
    const file = p.write('instant.perms.ts', PERMS_TS)
    const missing = Object.assign(new Error("Cannot find module 'jiti'"), {
      code: 'INSTANT_MISSING_DEPENDENCY',
    })
    const error = await rejectionOf(
      loadRulesFile(file, undefined, {
        nodeStripsTypes: false,
        loadJiti: () => {
          throw missing
        },
      }),
    )
    expect(error.message).toBe(`${file}: Cannot find module 'jiti'`)
    expect(TYPESCRIPT_LOADER_INSTALL).toBe('npm install --save-dev jiti@^2.7.0')
  })

  it('where Node strips types, imports the file itself (no jiti)', async () => {
    const p = project()
    const file = p.write('instant.perms.ts', PERMS_TS)
    const imported: string[] = []
    const loaded = await loadRulesFile(file, undefined, {
      nodeStripsTypes: true,
      importNative: async (f) => {
        imported.push(f)
        return { default: { todos: {} } }
      },
      loadJiti: () => {
        throw new Error('jiti must not be used')
      },
    })
    expect(loaded).toEqual({ todos: {} })
    expect(imported).toEqual([file])
  })

  it('past what type stripping loads (an extension-less import), falls back to jiti', async () => {
    const p = project()
    p.write('instant.schema.ts', SCHEMA_TS)
    const file = p.write(
      'instant.perms.ts',
      "import schema from './instant.schema'\nexport default { todos: { allow: { view: String(Object.keys(schema.entities).length) } } }\n",
    )
    const notFound = Object.assign(new Error("Cannot find module './instant.schema'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    const loaded = await loadRulesFile(file, undefined, {
      nodeStripsTypes: true,
      importNative: () => Promise.reject(notFound),
    })
    expect(loaded).toEqual({ todos: { allow: { view: '2' } } })
    const error = await rejectionOf(
      loadRulesFile(file, undefined, {
        nodeStripsTypes: true,
        importNative: () => Promise.reject(notFound),
        loadJiti: () => {
          throw new Error('not installed')
        },
      }),
    )
    expect(error.message).toBe(
      `${file}: Cannot find module './instant.schema'; Node's type stripping cannot load this file, jiti can: npm install --save-dev jiti@^2.7.0`,
    )
  })

  it('loads a .cts with jiti where Node strips types too (Node reads .cts as CommonJS)', async () => {
    const p = project()
    const file = p.write('rules.cts', 'const r: object = { todos: {} }\nexport default r')
    const loaded = await loadRulesFile(file, undefined, {
      nodeStripsTypes: true,
      importNative: () => Promise.reject(new Error('native import must not be used')),
    })
    expect(loaded).toEqual({ todos: {} })
    const error = await rejectionOf(
      loadRulesFile(file, undefined, {
        nodeStripsTypes: true,
        loadJiti: () => {
          throw new Error('not installed')
        },
      }),
    )
    expect(error.message).toBe(
      `${file}: Node loads a .cts file as CommonJS, where \`export default\` is a syntax error; jiti loads it: npm install --save-dev jiti@^2.7.0`,
    )
  })

  it('loads .mjs with a fresh import where Node strips types too', async () => {
    const p = project()
    const file = p.write('rules.mjs', 'export default { todos: {} }')
    const loaded = await loadRulesFile(file, undefined, {
      nodeStripsTypes: true,
      loadJiti: () => {
        throw new Error('jiti must not be used')
      },
    })
    expect(loaded).toEqual({ todos: {} })
  })
})

describe('startLocalInstant({ schemaFile, rulesFile })', () => {
  it('applies the files: the schema’s attributes exist and the rules are in force', async () => {
    const p = project()
    p.write('instant.schema.ts', SCHEMA_TS)
    p.write('instant.perms.ts', PERMS_TS)
    const local = await startLocalInstant({
      logger: false,
      schemaFile: `${p.dir}/instant.schema.ts`,
      rulesFile: `${p.dir}/instant.perms.ts`,
    })
    locals.push(local)
    const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
    await db.transact(
      db.tx['todos']!['0b5b1f1e-4d7e-4a7c-9d3c-2f6f0f0b0a01']!.update({ title: 'a' }),
    )
    // `view: 'auth.id != null'`: a guest sees nothing, a user sees the todo.
    expect(await db.asUser({ guest: true }).query({ todos: {} })).toEqual({ todos: [] })
    const token = await db.auth.createToken({ email: 'a@example.com' })
    const seen = await db.asUser({ token }).query({ todos: {} })
    expect(seen.todos.map((t) => t['title'])).toEqual(['a'])
    // `delete: 'false'`
    const denied = await rejectionOf(
      db
        .asUser({ token })
        .transact(db.tx['todos']!['0b5b1f1e-4d7e-4a7c-9d3c-2f6f0f0b0a01']!.delete()),
    )
    expect(denied.body?.type).toBe('permission-denied')
  })

  it('a rule that does not compile names the file and the rule, and nothing starts', async () => {
    const p = project()
    const file = p.write(
      'instant.perms.ts',
      'export default { todos: { allow: { view: "auth.id ==" } } }',
    )
    const error = await rejectionOf(startLocalInstant({ logger: false, rulesFile: file }))
    expect(error.code).toBe('INSTANT_PROJECT_FILE_INVALID')
    expect(
      error.message.startsWith(`${file}: Validation failed for permission: todos.allow.view: `),
    ).toBe(true)
  })

  it('`rulesFile` with `rules`, or not a path, is an option error', async () => {
    expect((await rejectionOf(startLocalInstant({ rules: {}, rulesFile: 'x.ts' }))).message).toBe(
      'startLocalInstant(): `rulesFile` must not be given with `rules`; got both.',
    )
    expect((await rejectionOf(startLocalInstant({ schemaFile: '' }))).message).toBe(
      'startLocalInstant(): `schemaFile` must be a path, e.g. "instant.perms.ts"; got a string.',
    )
  })

  it('local.setSchema adds attributes', async () => {
    const local = await startLocalInstant({ logger: false })
    locals.push(local)
    local.setSchema({
      entities: { notes: { attrs: { body: { valueType: 'string', config: { unique: true } } } } },
      links: {},
    })
    const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
    await db.transact(
      db.tx['notes']!['0b5b1f1e-4d7e-4a7c-9d3c-2f6f0f0b0a02']!.update({ body: 'x' }),
    )
    const dup = await rejectionOf(
      db.transact(db.tx['notes']!['0b5b1f1e-4d7e-4a7c-9d3c-2f6f0f0b0a03']!.update({ body: 'x' })),
    )
    expect(dup.body?.type).toBe('record-not-unique')
  })
})
