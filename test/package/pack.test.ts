/**
 * The published tarball, installed into ESM, CommonJS and TypeScript consumers: proves the
 * exports map, the emitted types and `require()` of the ESM build work as users will meet them.
 * The consumer lives inside the checkout so its dependencies resolve to our node_modules
 * (no registry access needed).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const work = join(root, 'test-results', 'pack')
const consumer = join(work, 'consumer')
const installed = join(consumer, 'node_modules', 'instant-express-auth')

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
import { requireInstantUser } from 'instant-express-auth'
import { init } from 'instant-express-auth/admin'

const db = init({ appId: '00000000-0000-4000-8000-000000000000', adminToken: 'x' })
const app = express()
app.get('/me', requireInstantUser({ db }), (req, res) => {
  const email: string | null | undefined = req.instant.user.email
  res.json({ email })
})
`

async function pack(): Promise<string> {
  if (!existsSync(join(root, 'dist', 'express', 'index.js'))) {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root })
  }
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root })
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
  if (!info) throw new Error('npm pack printed nothing')
  return join(work, info.filename)
}

describe('the packed tarball', () => {
  let files: string[] = []

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true })
    await mkdir(installed, { recursive: true })
    const tarball = await pack()
    await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'])
    files = await readdir(installed)
    await writeFile(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true }),
    )
    await writeFile(join(consumer, 'esm.mjs'), ESM_CONSUMER)
    await writeFile(join(consumer, 'cjs.cjs'), CJS_CONSUMER)
    await writeFile(join(consumer, 'consumer.ts'), TS_CONSUMER)
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
  }, 120_000)

  afterAll(async () => {
    await rm(work, { recursive: true, force: true })
  })

  it('ships dist, README and package.json, and no sources or tests', () => {
    expect(files.sort()).toEqual(['README.md', 'dist', 'package.json'])
  })

  it('works from an ESM consumer: all four entry points, against Local Instant', async () => {
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: consumer })
    expect(JSON.parse(stdout)).toEqual({ email: 'pack@example.com', status: 400 })
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
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
    const result = await run(process.execPath, [tsc, '-p', '.'], { cwd: consumer }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }),
    )
    expect(result.stdout).toBe('')
  }, 60_000)
})
