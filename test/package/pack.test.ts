/**
 * The published tarball, installed into ESM, CommonJS and TypeScript consumers: proves the
 * exports map, the emitted types and `require()` of the ESM build work as users will meet them.
 * The consumer lives inside the checkout so its dependencies resolve to our node_modules
 * (no registry access needed).
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const work = join(root, 'test-results', 'pack')
const consumer = join(work, 'consumer')
const installed = join(consumer, 'node_modules', 'instant-express-auth')

// A server that only verifies tokens: the admin client loads undici's Pool and Dispatcher
// modules, not undici's entry point (about 3 MB more heap, src/admin/undici.ts).
const VERIFY_ONLY_CONSUMER = `
import { createRequire } from 'node:module'
import { requireInstantUser } from 'instant-express-auth'
import { init } from 'instant-express-auth/admin'

const db = init({ appId: '00000000-0000-4000-8000-000000000000', adminToken: 'x', apiURI: 'http://127.0.0.1:2' })
requireInstantUser({ db })
let code
try { await db.auth.verifyToken('00000000-0000-4000-8000-000000000001') } catch (e) { code = e.code }
await db.close()
const loaded = Object.keys(createRequire(import.meta.url).cache)
const undiciFile = (path) => loaded.some((file) => file.endsWith(path))
console.log(JSON.stringify({ code, pool: undiciFile('/undici/lib/dispatcher/pool.js'), entry: undiciFile('/undici/index.js') }))
`

const ESM_CONSUMER = `
import { requireInstantUser, signInRouter, magicCodeRouter, signOutRouter, optionalInstantUser } from 'instant-express-auth'
import { init, id, lookup, tx, InstantAPIError } from 'instant-express-auth/admin'
import { startLocalInstant } from 'instant-express-auth/local'
import { memoryEmail } from 'instant-express-auth/email'

for (const fn of [requireInstantUser, signInRouter, magicCodeRouter, signOutRouter, optionalInstantUser, init, id, lookup, memoryEmail]) {
  if (typeof fn !== 'function') throw new Error('missing export')
}
if (typeof tx !== 'object' && typeof tx !== 'function') throw new Error('missing tx')
const local = await startLocalInstant({ port: 0, dbPath: ':memory:' })
const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
try {
  const token = await db.auth.createToken({ email: 'pack@example.com' })
  const user = await db.auth.verifyToken(token)
  let status = 0
  try { await db.auth.verifyToken(id()) } catch (e) { if (e instanceof InstantAPIError) status = e.status }
  console.log(JSON.stringify({ email: user.email, status }))
} finally {
  await db.close()
  await local.close()
}
`

const CJS_CONSUMER = `
const kit = require('instant-express-auth')
const admin = require('instant-express-auth/admin')
const pkg = require('instant-express-auth/package.json')
console.log(JSON.stringify({
  requireInstantUser: typeof kit.requireInstantUser,
  init: typeof admin.init,
  version: pkg.version,
}))
`

const TS_CONSUMER = `
import express from 'express'
import { instantHandler, requireInstantUser } from 'instant-express-auth'
import { init } from 'instant-express-auth/admin'

const db = init({ appId: '00000000-0000-4000-8000-000000000000', adminToken: 'x' })
const app = express()
app.get('/me', requireInstantUser({ db }), instantHandler((req, res) => {
  const email: string | null | undefined = req.instant.user.email
  res.json({ email })
}))
app.get('/open', (req, res) => {
  // @ts-expect-error: no middleware ran, so req.instant may be missing
  res.json(req.instant.user)
})
`

/**
 * A consumer under `@tsconfig/strictest`'s compiler options (copied below, so the test needs no
 * extra package), using every entry point the README shows, with our `init` and with
 * `@instantdb/admin`'s as `db`.
 */
const STRICT_CONSUMER = `
import express from 'express'
import { init as sdkInit } from '@instantdb/admin'
import {
  instantHandler,
  jwtAuthenticator,
  KitError,
  magicCodeRouter,
  optionalInstantUser,
  requireInstantUser,
  signInRouter,
  signOutRouter,
  type OptionalInstantRequest,
} from 'instant-express-auth'
import { init, id, InstantAPIError } from 'instant-express-auth/admin'
import {
  consoleEmail,
  defineEmailProvider,
  failover,
  magicCodeSender,
  memoryEmail,
  postmarkEmail,
  resendEmail,
  sendgridEmail,
  smtpEmail,
} from 'instant-express-auth/email'
import { startLocalInstant } from 'instant-express-auth/local'
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type InstantTestEnvironment,
  type PermissionDeniedError,
} from 'instant-express-auth/testing'

const appId = '00000000-0000-4000-8000-000000000000'
const ours = init({ appId, adminToken: 'x', apiURI: process.env['INSTANT_API_URI'] })
const sdk = sdkInit({ appId, adminToken: 'x' })

for (const db of [ours, sdk]) {
  const app = express()
  app.use('/auth', magicCodeRouter({ db, sendEmail: memoryEmail() }))
  app.use('/auth', signInRouter({ db, authenticate: async () => null, allowSignUp: false }))
  app.use(
    '/auth',
    signInRouter({
      db,
      path: '/sign-in/jwt',
      authenticate: jwtAuthenticator({
        jwksUri: 'https://id.example.com/.well-known/jwks.json',
        issuer: 'https://id.example.com/',
        audience: 'app',
        algorithms: ['RS256'],
      }),
    }),
  )
  app.use('/auth', signOutRouter({ db, scope: 'all' }))
  app.get('/me', requireInstantUser({ db }), instantHandler((req, res) => {
    const email: string | null | undefined = req.instant.user.email
    res.json({ email, id: req.instant.user.id })
  }))
  app.get('/todos', requireInstantUser({ db, cache: false }), instantHandler(async (req, res) => {
    res.json(await req.instant.db.query({ todos: {} }))
  }))
  app.get('/feed', optionalInstantUser({ db }), (req: OptionalInstantRequest, res) => {
    res.json({ signedIn: req.instant ? req.instant.user.id : null })
  })
}

const providers = [
  resendEmail({ apiKey: 're_x', from: 'Acme <login@acme.com>' }),
  postmarkEmail({ serverToken: 'x', from: 'login@acme.com' }),
  sendgridEmail({ apiKey: 'SG.x', from: 'login@acme.com' }),
  smtpEmail({ transport: { host: 'smtp.example.com', port: 587 }, from: 'login@acme.com' }),
  consoleEmail(),
  defineEmailProvider(async () => {}, { magicCode: { appName: 'Acme' } }),
]
export const sendEmail = failover(providers, { onFailover: () => {} })
export const custom = magicCodeSender(async () => {}, { appName: 'Acme', expiryMinutes: 15 })

export async function local(): Promise<string> {
  const instance = await startLocalInstant({ port: 0, dbPath: ':memory:', logger: false })
  const db = init({ appId: instance.appId, adminToken: instance.adminToken, apiURI: instance.apiURI })
  try {
    await db.transact([db.tx['todos']![id()]!.update({ title: 'x' })])
    return await db.auth.createToken({ email: 'a@b.co' })
  } catch (error) {
    if (error instanceof InstantAPIError) throw new KitError('auth_unavailable', { cause: error })
    throw error
  } finally {
    await db.close()
    await instance.close()
  }
}

export async function rulesTest(): Promise<string | undefined> {
  const env: InstantTestEnvironment = await initializeTestEnvironment({
    rules: { todos: { allow: { delete: 'false' } } },
  })
  try {
    const alice = await env.authenticatedContext({ email: 'alice@example.com' })
    await assertSucceeds(alice.db.transact(alice.db.tx['todos']![id()]!.update({ title: 'x' })))
    const visitor = env.unauthenticatedContext()
    const denied: PermissionDeniedError = await assertFails(
      visitor.db.transact(visitor.db.tx['todos']![id()]!.delete()),
    )
    return denied.rule
  } finally {
    await env.cleanup()
  }
}
`

/** The testing entry loading a project's instant.perms.ts and instant.schema.ts (jiti on Node 20). */
const TESTING_CONSUMER = `
import { relative } from 'node:path'
import { id } from 'instant-express-auth/admin'
import { assertFails, initializeTestEnvironment } from 'instant-express-auth/testing'

const env = await initializeTestEnvironment({ projectDir: 'project' })
try {
  const alice = await env.authenticatedContext({ email: 'alice@example.com' })
  const denied = await assertFails(alice.db.transact(alice.db.tx.todos[id()].update({ title: 'x' })))
  console.log(JSON.stringify({
    rulesFile: relative(process.cwd(), env.rulesFile),
    schemaFile: relative(process.cwd(), env.schemaFile),
    namespace: denied.namespace,
    action: denied.action,
    rule: denied.rule,
  }))
} finally {
  await env.cleanup()
}
`
const TESTING_PERMS_TS = `import type { InstantRules } from '@instantdb/core'
const rules = { todos: { allow: { create: 'auth.id == null' } } } satisfies InstantRules
export default rules
`
const TESTING_SCHEMA_TS = `import { i } from '@instantdb/core'
const _schema = i.schema({ entities: { todos: i.entity({ title: i.string() }) }, links: {} })
type AppSchema = typeof _schema
const schema: AppSchema = _schema
export default schema
`

/** `@tsconfig/strictest` (v2), plus `skipLibCheck: false` so our declarations are checked too. */
const STRICTEST = {
  strict: true,
  allowUnusedLabels: false,
  allowUnreachableCode: false,
  exactOptionalPropertyTypes: true,
  noFallthroughCasesInSwitch: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noPropertyAccessFromIndexSignature: true,
  noUncheckedIndexedAccess: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  isolatedModules: true,
  checkJs: true,
  esModuleInterop: true,
  skipLibCheck: false,
}

/** Imports every entry point with only the production dependencies installed. */
const LEAN_CONSUMER = `
import { magicCodeRouter, requireInstantUser, signInRouter, signOutRouter } from 'instant-express-auth'
import { init } from 'instant-express-auth/admin'
import { memoryEmail, smtpEmail } from 'instant-express-auth/email'
import { startLocalInstant } from 'instant-express-auth/local'
import { createRequire } from 'node:module'

const db = init({ appId: '00000000-0000-4000-8000-000000000000', adminToken: 'x' })
requireInstantUser({ db })
signInRouter({ db, authenticate: () => null })
magicCodeRouter({ db, sendEmail: memoryEmail() })
signOutRouter({ db })
const out = { cjsLocal: typeof createRequire(import.meta.url)('instant-express-auth/local').startLocalInstant }
try { smtpEmail({ transport: 'smtp://127.0.0.1:1', from: 'a@b.co' }) } catch (e) { out.smtp = { code: e.code, message: e.message } }
try { await startLocalInstant({ logger: false }) } catch (e) { out.local = { code: e.code, message: e.message } }
await db.close()
console.log(JSON.stringify(out))
`

// Local Instant on node:sqlite, in an app that installed only the non-native development extras.
const NODE_SQLITE_CONSUMER = `
import { init, tx } from 'instant-express-auth/admin'
import { startLocalInstant } from 'instant-express-auth/local'
import { createRequire } from 'node:module'

const local = await startLocalInstant({ logger: false })
const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
await db.transact(tx.notes['00000000-0000-4000-8000-000000000001'].update({ text: 'hi' }))
const { notes } = await db.query({ notes: {} })
let betterSqlite3 = true
try { createRequire(import.meta.url).resolve('better-sqlite3') } catch { betterSqlite3 = false }
await db.close()
await local.close()
console.log(JSON.stringify({ notes, betterSqlite3 }))
`

const hasNodeSqlite = process.getBuiltinModule('node:sqlite') !== undefined

type PackageJson = {
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  scripts?: Record<string, string>
  gypfile?: boolean
}

/** The folder of `name` as Node would resolve it from `from` (a package folder). */
function packageDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    if (dirname(dir) === dir) throw new Error(`${name} is not installed (from ${from})`)
  }
}

/** Every package a production install of `dependencies` brings, by folder (from our node_modules). */
function productionClosure(dependencies: Record<string, string>): Map<string, string> {
  const found = new Map<string, string>()
  const queue: [string, string][] = Object.keys(dependencies).map((name) => [name, root])
  while (queue.length > 0) {
    const [name, from] = queue.shift() as [string, string]
    const dir = packageDir(name, from)
    if (found.has(dir)) continue
    found.set(dir, name)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push([dep, dir])
  }
  return found
}

/**
 * Runs `script` in an app outside the checkout (so nothing resolves to our dev dependencies)
 * that has the tarball, its production dependencies and `extras` (from our node_modules).
 */
async function runLean(
  tarball: string,
  pkg: PackageJson,
  script: string,
  extras: string[],
): Promise<string> {
  const lean = await mkdtemp(join(tmpdir(), 'instant-express-auth-lean-'))
  try {
    const modules = join(lean, 'node_modules')
    await mkdir(join(modules, 'instant-express-auth'), { recursive: true })
    await run('tar', [
      '-xzf',
      tarball,
      '-C',
      join(modules, 'instant-express-auth'),
      '--strip-components=1',
    ])
    const wanted = { ...pkg.dependencies, ...Object.fromEntries(extras.map((name) => [name, '*'])) }
    for (const [dir, name] of productionClosure(wanted)) {
      if (existsSync(join(modules, name))) continue
      await mkdir(dirname(join(modules, name)), { recursive: true })
      await symlink(dir, join(modules, name), 'dir')
    }
    await writeFile(join(lean, 'package.json'), JSON.stringify({ name: 'lean', private: true }))
    await writeFile(join(lean, 'lean.mjs'), script)
    const { stdout } = await run(process.execPath, ['lean.mjs'], { cwd: lean })
    return stdout
  } finally {
    await rm(lean, { recursive: true, force: true })
  }
}

/**
 * Packs what a clean clone packs: the checkout's files that git tracks or would track (so no
 * `dist/`, nothing ignored), copied apart with our node_modules linked in, and `npm pack`
 * there, whose `prepack` must build `dist/` itself.
 */
async function pack(): Promise<string> {
  const clean = join(work, 'clean')
  const { stdout: listed } = await run(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  )
  for (const file of listed.split('\0')) {
    if (file === '' || !existsSync(join(root, file))) continue // deleted, not yet committed
    await mkdir(dirname(join(clean, file)), { recursive: true })
    await copyFile(join(root, file), join(clean, file))
  }
  expect(existsSync(join(clean, 'dist'))).toBe(false)
  await symlink(join(root, 'node_modules'), join(clean, 'node_modules'), 'dir')
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: clean,
  })
  // Lifecycle scripts may print before the JSON: it is the last top-level array.
  const [info] = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as {
    filename: string
    files: { path: string }[]
  }[]
  if (!info) throw new Error('npm pack printed nothing')
  return join(work, info.filename)
}

/**
 * Both TypeScript consumers in one `tsc --build`, which parses the declarations they share
 * (ours, Node's, Express's, with `skipLibCheck: false`) once instead of twice: about a third
 * less CPU than two `tsc -p`. Its `--verbose` lines name the project each error belongs to;
 * a missing project section fails the test rather than passing it.
 */
async function typecheckConsumers(projects: string[]): Promise<Record<string, string>> {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const args = [tsc, '--build', ...projects, '--verbose', '--pretty', 'false']
  const { stdout } = await run(process.execPath, args, { cwd: consumer }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }),
  )
  const sections: Record<string, string> = {}
  let current = ''
  let rest = ''
  // The project list's lines end in \r\n, the rest in \n.
  for (const line of stdout.split(/\r?\n/)) {
    const building = / - Building project '(.+)'\.\.\.$/.exec(line)
    if (building) {
      current = relative(consumer, building[1]!)
      sections[current] = ''
    } else if (/^\S.* - (Projects in this build|Project '.+' is)/.test(line)) {
      current = ''
    } else if (!/^\s*(\* .+)?$/.test(line)) {
      if (current === '') rest += `${line}\n`
      else sections[current] += `${line}\n`
    }
  }
  if (rest !== '') throw new Error(`tsc --build printed outside any project:\n${rest}`)
  for (const project of projects) {
    if (sections[project] === undefined)
      throw new Error(`tsc --build did not build ${project}:\n${stdout}`)
  }
  return sections
}

describe('the packed tarball', () => {
  let files: string[] = []
  let tarball = ''
  // Started once the consumers are written; it runs while the other tests do.
  let typecheck: Promise<Record<string, string>>

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true })
    await mkdir(installed, { recursive: true })
    tarball = await pack()
    await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'])
    files = await readdir(installed)
    await writeFile(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true }),
    )
    await writeFile(join(consumer, 'esm.mjs'), ESM_CONSUMER)
    await writeFile(join(consumer, 'verify-only.mjs'), VERIFY_ONLY_CONSUMER)
    await writeFile(join(consumer, 'cjs.cjs'), CJS_CONSUMER)
    await writeFile(join(consumer, 'testing.mjs'), TESTING_CONSUMER)
    await mkdir(join(consumer, 'project', 'src'), { recursive: true })
    await writeFile(join(consumer, 'project', 'src', 'instant.perms.ts'), TESTING_PERMS_TS)
    await writeFile(join(consumer, 'project', 'instant.schema.ts'), TESTING_SCHEMA_TS)
    await writeFile(join(consumer, 'consumer.ts'), TS_CONSUMER)
    await writeFile(join(consumer, 'strict.ts'), STRICT_CONSUMER)
    await writeFile(
      join(consumer, 'tsconfig.strictest.json'),
      JSON.stringify({
        compilerOptions: {
          ...STRICTEST,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          noEmit: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['strict.ts'],
      }),
    )
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    )
    typecheck = typecheckConsumers(['tsconfig.json', 'tsconfig.strictest.json'])
    // Awaited by the two type-checking tests; a rejection here must not go unhandled meanwhile.
    typecheck.catch(() => {})
  }, 120_000)

  afterAll(async () => {
    await rm(work, { recursive: true, force: true })
  })

  it('ships dist, README, docs and package.json, and no sources or tests', async () => {
    expect(files.sort()).toEqual(['README.md', 'dist', 'docs', 'package.json'])
    // The README links into docs/ relatively, and problem types name docs/errors.md's headings;
    // the generated API reference (docs/api, gitignored) is not shipped.
    const docs = await readdir(join(installed, 'docs'))
    expect(docs).toContain('errors.md')
    expect(docs).not.toContain('api')
  })

  it('works from an ESM consumer: all four entry points, against Local Instant', async () => {
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: consumer })
    expect(JSON.parse(stdout)).toEqual({ email: 'pack@example.com', status: 400 })
  })

  it(`the testing entry loads a project's instant.perms.ts on Node ${process.versions.node}`, async () => {
    const { stdout } = await run(process.execPath, ['testing.mjs'], { cwd: consumer })
    expect(JSON.parse(stdout)).toEqual({
      rulesFile: 'project/src/instant.perms.ts',
      schemaFile: 'project/instant.schema.ts',
      namespace: 'todos',
      action: 'create',
      rule: 'auth.id == null',
    })
  })

  it("loads only the parts of undici the admin client uses, not undici's entry point", async () => {
    const { stdout } = await run(process.execPath, ['verify-only.mjs'], { cwd: consumer })
    expect(JSON.parse(stdout)).toEqual({ code: 'INSTANT_UNREACHABLE', pool: true, entry: false })
  })

  it('works from a CommonJS consumer through require()', async () => {
    const { stdout } = await run(process.execPath, ['--no-warnings', 'cjs.cjs'], { cwd: consumer })
    expect(JSON.parse(stdout)).toEqual({
      requireInstantUser: 'function',
      init: 'function',
      version: '0.1.0',
    })
  })

  it('type-checks a TypeScript consumer against the emitted declarations', async () => {
    expect((await typecheck)['tsconfig.json']).toBe('')
  }, 240_000)

  it('type-checks a consumer under @tsconfig/strictest that uses every entry point', async () => {
    expect((await typecheck)['tsconfig.strictest.json']).toBe('')
  }, 240_000)

  it('keeps SQLite, CEL and nodemailer out of a production install: optional peers', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackageJson
    const optional = ['@marcbachmann/cel-js', 'better-sqlite3', 'nodemailer']
    expect(Object.keys(pkg.dependencies ?? {}).filter((name) => optional.includes(name))).toEqual(
      [],
    )
    for (const name of optional) {
      expect(pkg.peerDependencies?.[name]).toMatch(/^\^\d/)
      expect(pkg.peerDependenciesMeta?.[name]).toEqual({ optional: true })
    }
  })

  it('installs no package with an install script or a native build in production', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackageJson
    const closure = productionClosure(pkg.dependencies ?? {})
    const native: string[] = []
    for (const [dir, name] of closure) {
      const dep = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
      const scripts = dep.scripts ?? {}
      if (
        scripts['preinstall'] ||
        scripts['install'] ||
        scripts['postinstall'] ||
        dep.gypfile === true ||
        existsSync(join(dir, 'binding.gyp'))
      ) {
        native.push(name)
      }
    }
    expect(native).toEqual([])
    expect([...closure.values()]).not.toContain('better-sqlite3')
    expect(closure.size).toBeLessThan(15)
  })

  it('without the optional peers, the routers work and Local Instant and smtpEmail say what to install', async () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackageJson
    const peers = pkg.peerDependencies ?? {}
    const stdout = await runLean(tarball, pkg, LEAN_CONSUMER, [])
    // Where Node has node:sqlite (22.13+), SQLite needs nothing: CEL is the first one missing.
    const localInstall = hasNodeSqlite
      ? `npm install --save-dev @marcbachmann/cel-js@${peers['@marcbachmann/cel-js']} re2js@${peers['re2js']} ws@${peers['ws']}`
      : `npm install --save-dev better-sqlite3@${peers['better-sqlite3']} @marcbachmann/cel-js@${peers['@marcbachmann/cel-js']} re2js@${peers['re2js']} ws@${peers['ws']}`
    const missing = hasNodeSqlite ? '@marcbachmann/cel-js' : 'better-sqlite3'
    expect(JSON.parse(stdout)).toEqual({
      cjsLocal: 'function',
      smtp: {
        code: 'INSTANT_MISSING_DEPENDENCY',
        message:
          'smtpEmail() needs the package "nodemailer", an optional peer dependency of ' +
          `instant-express-auth that is not installed. Install it with: npm install nodemailer@${peers['nodemailer']}`,
      },
      local: {
        code: 'INSTANT_MISSING_DEPENDENCY',
        message:
          `Local Instant needs the package "${missing}", an optional peer dependency of ` +
          `instant-express-auth that is not installed. Install it with: ${localInstall}`,
      },
    })
  }, 60_000)

  it.runIf(hasNodeSqlite)(
    'on Node 22.13+, Local Instant runs with cel-js, re2js and ws alone: no better-sqlite3, nothing compiled',
    async () => {
      const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackageJson
      const stdout = await runLean(tarball, pkg, NODE_SQLITE_CONSUMER, [
        '@marcbachmann/cel-js',
        're2js',
        'ws',
      ])
      expect(JSON.parse(stdout)).toEqual({
        notes: [{ id: '00000000-0000-4000-8000-000000000001', text: 'hi' }],
        betterSqlite3: false,
      })
    },
    60_000,
  )
})
