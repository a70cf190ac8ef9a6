import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { init } from '@instantdb/admin'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { startLocalInstant } from 'instant-express-auth/local'
import { MIGRATIONS } from '../../src/local/database.js'
import { sha256Hex } from '../../src/local/auth/hash.js'
import { post, rejectionOf } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'instant-local-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a file database survives restarts', () => {
  it('keeps app id, admin token, users, tokens and codes; stores only hashes', async () => {
    const dbPath = join(dir, 'nested', 'app.db')
    const first = await startLocalInstant({ dbPath, logger: false })
    const db1 = init({ appId: first.appId, adminToken: first.adminToken, apiURI: first.apiURI })
    const token = await db1.auth.createToken({ email: 'keep@example.com' })
    const signedOut = await db1.auth.createToken({ email: 'keep@example.com' })
    await db1.auth.signOut({ refresh_token: signedOut })
    const { code } = await db1.auth.generateMagicCode('keep@example.com')
    const user = await db1.auth.getUser({ email: 'keep@example.com' })
    await first.close()

    const raw = new Database(dbPath, { readonly: true })
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    const hashes = raw.prepare('SELECT hash FROM refresh_tokens').all() as { hash: string }[]
    expect(hashes).toHaveLength(1)
    expect(hashes[0]?.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(
      JSON.stringify(raw.prepare('SELECT * FROM refresh_tokens, magic_codes').all()),
    ).not.toContain(token)
    expect(JSON.stringify(raw.prepare('SELECT * FROM magic_codes').all())).not.toContain(
      `"${code}"`,
    )
    raw.close()

    const second = await startLocalInstant({ dbPath, logger: false })
    expect(second.appId).toBe(first.appId)
    expect(second.adminToken).toBe(first.adminToken)
    const db2 = init({ appId: second.appId, adminToken: second.adminToken, apiURI: second.apiURI })
    expect(await db2.auth.getUser({ email: 'keep@example.com' })).toEqual(user)
    expect((await db2.auth.verifyToken(token)).email).toBe('keep@example.com')
    expect((await rejectionOf(db2.auth.verifyToken(signedOut))).body.type).toBe('record-not-found')
    expect((await db2.auth.checkMagicCode('keep@example.com', code)).created).toBe(false)
    await second.close()
  })

  it('wrong guesses at a code survive a restart', async () => {
    const dbPath = join(dir, 'guesses.db')
    const first = await startLocalInstant({ dbPath, logger: false })
    const db1 = init({ appId: first.appId, adminToken: first.adminToken, apiURI: first.apiURI })
    const { code } = await db1.auth.generateMagicCode('guess@example.com')
    const wrong = (n: number) => String((Number(code) + 1 + n) % 1_000_000).padStart(6, '0')
    const verify = (local: typeof first, guess: string) =>
      post(local, '/runtime/auth/verify_magic_code', {
        'app-id': local.appId,
        email: 'guess@example.com',
        code: guess,
      })
    for (let i = 0; i < 4; i++) expect((await verify(first, wrong(i))).status).toBe(400)
    await first.close()

    const second = await startLocalInstant({ dbPath, logger: false })
    expect((await verify(second, wrong(4))).status).toBe(400)
    const burned = await verify(second, code)
    expect(burned.status).toBe(400)
    expect(burned.body.type).toBe('record-not-found')
    await second.close()
  })

  it('a file from before schema version 3 gains the wrong-guess column and keeps its codes', async () => {
    const dbPath = join(dir, 'v2.db')
    const old = new Database(dbPath)
    for (const sql of MIGRATIONS.slice(0, 2)) old.exec(sql)
    old.pragma('user_version = 2')
    const now = Date.now()
    old
      .prepare(
        'INSERT INTO magic_codes (email, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?)',
      )
      .run('old@example.com', sha256Hex('123456'), now, now + 600_000)
    old.close()

    const local = await startLocalInstant({ dbPath, logger: false })
    const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
    expect((await db.auth.checkMagicCode('old@example.com', '123456')).created).toBe(true)
    await local.close()

    const raw = new Database(dbPath, { readonly: true })
    expect(raw.pragma('user_version', { simple: true })).toBe(3)
    const columns = raw.prepare('PRAGMA table_info(magic_codes)').all() as { name: string }[]
    expect(columns.map((c) => c.name)).toEqual([
      'id',
      'email',
      'code_hash',
      'created_at',
      'expires_at',
      'wrong_guesses',
    ])
    raw.close()
  })

  it('explicit app id and admin token win and are kept for the next start', async () => {
    const dbPath = join(dir, 'explicit.db')
    const appId = '0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a'
    const adminToken = 'B0B0B0B0-B0B0-4B0B-8B0B-B0B0B0B0B0B0'
    const a = await startLocalInstant({ dbPath, appId, adminToken, logger: false })
    expect(a.appId).toBe(appId)
    expect(a.adminToken).toBe(adminToken.toLowerCase())
    await a.close()
    const b = await startLocalInstant({ dbPath, logger: false })
    expect([b.appId, b.adminToken]).toEqual([appId, adminToken.toLowerCase()])
    await b.close()
  })

  it('rejects bad options with a TypeError naming the option', async () => {
    await expect(startLocalInstant({ appId: 'nope' })).rejects.toThrow(
      new TypeError('startLocalInstant(): `appId` must be a UUID; got a string.'),
    )
    await expect(startLocalInstant({ host: '' })).rejects.toThrow(
      new TypeError('startLocalInstant(): `host` must be a non-empty string; got a string.'),
    )
    await expect(startLocalInstant({ dbPath: 7 } as never)).rejects.toThrow(
      new TypeError('startLocalInstant(): `dbPath` must be a non-empty string; got 7.'),
    )
    await expect(startLocalInstant({ logger: console.log } as never)).rejects.toThrow(
      new TypeError(
        'startLocalInstant(): `logger` must be false or an object with info() and error(); got a function.',
      ),
    )
    await expect(startLocalInstant(null as never)).rejects.toThrow(
      new TypeError('startLocalInstant(): `options` must be an object; got null.'),
    )
    await expect(startLocalInstant({ port: -1 })).rejects.toThrow(TypeError)
    await expect(startLocalInstant({ adminToken: 'secret-value' })).rejects.not.toThrow(
      /secret-value/,
    )
  })
})
