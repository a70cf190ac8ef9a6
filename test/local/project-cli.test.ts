import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { init } from '@instantdb/admin'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, USAGE, type CliResult } from '../../src/local/run-cli.js'
import { SCHEMA_TS, tempProject } from './project-fixtures.js'

const projects: ReturnType<typeof tempProject>[] = []
const running: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((l) => l.close()))
  projects.splice(0).forEach((p) => p.remove())
})

function project() {
  const p = tempProject()
  projects.push(p)
  return { ...p, dir: realpathSync(p.dir) }
}

/** The CLI's output, and a way to await a line on stderr (a reload is reported there). */
function io(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const waiting: { pattern: string; resolve: (text: string) => void }[] = []
  return {
    out,
    err,
    /** Resolves with stderr's text once it holds `pattern` after what it held when called. */
    next(pattern: string): Promise<string> {
      const from = err.length
      return new Promise((resolve) => {
        waiting.push({ pattern, resolve: () => resolve(err.slice(from).join('')) })
      })
    },
    io: {
      stdout: (t: string) => void out.push(t),
      stderr: (t: string) => {
        err.push(t)
        for (const w of waiting.splice(0)) {
          if (t.includes(w.pattern)) w.resolve(t)
          else waiting.push(w)
        }
      },
      logger: { info: () => {}, error: () => {} },
      cwd,
      env,
    },
  }
}

function started(result: CliResult) {
  if (result.exitCode !== undefined) throw new Error(`exited with ${result.exitCode}`)
  running.push(result.local)
  return result.local
}

const TODO = '0b5b1f1e-4d7e-4a7c-9d3c-2f6f0f0b0a10'
const perms = (view: string) =>
  `export default { todos: { allow: { view: ${JSON.stringify(view)} } } }\n`

/** What a guest sees of the one todo: `[]` when `view` denies it. */
async function guestSees(local: { appId: string; adminToken: string; apiURI: string }) {
  const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
  const { todos } = await db.asUser({ guest: true }).query({ todos: {} })
  return todos.map((t) => t['title'])
}

async function seed(local: { appId: string; adminToken: string; apiURI: string }) {
  const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
  await db.transact(db.tx['todos']![TODO]!.update({ title: 'milk' }))
}

describe('instant-local with the project’s files', () => {
  it('the usage says the defaults', () => {
    expect(USAGE).toContain("default: the project's instant.perms.ts, found as instant-cli does")
  })

  it('without --rules/--schema loads src/instant.perms.ts and instant.schema.ts and says so', async () => {
    const p = project()
    p.write('instant.schema.ts', SCHEMA_TS)
    p.write('src/instant.perms.ts', perms('false'))
    const t = io(p.dir)
    const local = started(await runCli(['--port', '0', '--db', ':memory:'], t.io))
    const out = t.out.join('')
    expect(out).toContain(`  rules:       ${join(p.dir, 'src/instant.perms.ts')} (watched)\n`)
    expect(out).toContain(`  schema:      ${join(p.dir, 'instant.schema.ts')} (watched)\n`)
    await seed(local)
    expect(await guestSees(local)).toEqual([])
  })

  it('says when there are no files', async () => {
    const p = project()
    const t = io(p.dir)
    started(await runCli(['--port', '0', '--db', ':memory:'], t.io))
    expect(t.out.join('')).toContain(
      '  rules:       none (every operation is allowed; --rules FILE to load some)\n' +
        '  schema:      none (attributes are created as the app writes; --schema FILE)\n',
    )
  })

  it('reloads a saved perms file', async () => {
    const p = project()
    const file = p.write('instant.perms.ts', perms('true'))
    const t = io(p.dir)
    const local = started(await runCli(['--port', '0', '--db', ':memory:'], t.io))
    await seed(local)
    expect(await guestSees(local)).toEqual(['milk'])
    const reloaded = t.next('reloaded rules')
    p.write('instant.perms.ts', perms('false'))
    expect(await reloaded).toBe('instant-local: reloaded rules from instant.perms.ts\n')
    expect(await guestSees(local)).toEqual([])
    expect(file).toBe(join(p.dir, 'instant.perms.ts'))
  })

  it('a broken perms file keeps the previous rules and says why, with the file and the rule', async () => {
    const p = project()
    const file = p.write('instant.perms.ts', perms('true'))
    const t = io(p.dir)
    const local = started(await runCli(['--port', '0', '--db', ':memory:'], t.io))
    await seed(local)

    let failed = t.next('still using the previous rules')
    p.write('instant.perms.ts', 'export default { todos: { allow: { view: } }\n')
    let text = await failed
    expect(text.startsWith(`instant-local: ${file}: could not load: `)).toBe(true)
    expect(text.endsWith('\n  (still using the previous rules)\n')).toBe(true)
    expect(await guestSees(local)).toEqual(['milk'])

    failed = t.next('still using the previous rules')
    p.write('instant.perms.ts', perms('auth.id =='))
    text = await failed
    expect(
      text.startsWith(
        `instant-local: ${file}: Validation failed for permission: todos.allow.view: `,
      ),
    ).toBe(true)
    expect(await guestSees(local)).toEqual(['milk'])

    failed = t.next('still using the previous rules')
    p.write('instant.perms.ts', 'export const rules = {}\n')
    expect(await failed).toBe(
      `instant-local: ${file}: no default export (it exports rules); Instant reads the rules from \`export default rules\`\n  (still using the previous rules)\n`,
    )
    expect(await guestSees(local)).toEqual(['milk'])
  })

  it('--rules and --schema take .ts files, and are watched too', async () => {
    const p = project()
    p.write('config/rules.ts', perms('false'))
    p.write('config/schema.ts', SCHEMA_TS)
    const t = io(p.dir)
    const local = started(
      await runCli(
        [
          '--port',
          '0',
          '--db',
          ':memory:',
          '--rules',
          'config/rules.ts',
          '--schema',
          'config/schema.ts',
        ],
        t.io,
      ),
    )
    expect(t.out.join('')).toContain(`  rules:       ${join(p.dir, 'config/rules.ts')} (watched)\n`)
    await seed(local)
    expect(await guestSees(local)).toEqual([])
    const reloaded = t.next('reloaded schema')
    p.write(
      'config/schema.ts',
      SCHEMA_TS.replace('title: i.string()', 'title: i.string().unique()'),
    )
    expect(await reloaded).toBe('instant-local: reloaded schema from config/schema.ts\n')
  })

  it('INSTANT_PERMS_FILE_PATH picks the file; a wrong one is a usage error', async () => {
    const p = project()
    p.write('instant.perms.ts', perms('true'))
    p.write('rules/dev.ts', perms('false'))
    const t = io(p.dir, { INSTANT_PERMS_FILE_PATH: 'rules/dev.ts' })
    started(await runCli(['--port', '0', '--db', ':memory:'], t.io))
    expect(t.out.join('')).toContain(`  rules:       ${join(p.dir, 'rules/dev.ts')} (watched)\n`)

    const bad = io(p.dir, { INSTANT_PERMS_FILE_PATH: 'rules/nope.ts' })
    expect(await runCli(['--port', '0', '--db', ':memory:'], bad.io)).toEqual({ exitCode: 2 })
    expect(bad.err.join('')).toContain(
      `instant-local: INSTANT_PERMS_FILE_PATH=rules/nope.ts: no such file (looked for ${join(p.dir, 'rules/nope.ts')})`,
    )
  })

  it('a broken project file at start exits 1, naming the file', async () => {
    const p = project()
    const file = p.write('instant.perms.ts', 'export default 1 +\n')
    const t = io(p.dir)
    expect(await runCli(['--port', '0', '--db', ':memory:'], t.io)).toEqual({ exitCode: 1 })
    expect(t.err.join('')).toContain(`instant-local: could not start: ${file}: could not load: `)
  })
})
