/**
 * Local Instant's two SQLite drivers: `node:sqlite` (Node 22.13+) and better-sqlite3. The whole
 * suite runs on the default one of each Node (better-sqlite3 on 20, node:sqlite on 22 and 24 in
 * CI); this file checks the part of better-sqlite3's API Local Instant calls behaves the same on
 * both, that one driver reads the other's files, and the option's errors.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { init } from '@instantdb/admin'
import { afterAll, describe, expect, it } from 'vitest'
import { startLocalInstant } from '../../src/local/index.js'
import { loadNodeSqlite } from '../../src/local/dependencies.js'
import { defaultSqliteDriver, openSqlite, type SqliteDriver } from '../../src/local/sqlite.js'

const hasNodeSqlite = loadNodeSqlite() !== null
const drivers: SqliteDriver[] = hasNodeSqlite
  ? ['node:sqlite', 'better-sqlite3']
  : ['better-sqlite3']
const dir = mkdtempSync(join(tmpdir(), 'instant-local-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the default driver', () => {
  it(`is node:sqlite where Node has it, else better-sqlite3 (here ${process.version})`, () => {
    expect(defaultSqliteDriver()).toBe(hasNodeSqlite ? 'node:sqlite' : 'better-sqlite3')
  })
})

describe.each(drivers)('%s', (driver) => {
  const open = () => {
    const db = openSqlite(':memory:', driver)
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n REAL)')
    return db
  }

  it('run, get, all and iterate answer as better-sqlite3 does', () => {
    const db = open()
    const insert = db.prepare('INSERT INTO t (name, n) VALUES (?, ?)')
    expect(insert.run('a', 1.5)).toEqual({ changes: 1, lastInsertRowid: 1 })
    // Arrays are spread into positional parameters; named parameters bind from an object.
    expect(insert.run(['b', 2])).toEqual({ changes: 1, lastInsertRowid: 2 })
    db.prepare('INSERT INTO t (name, n) VALUES (@name, @n)').run({ name: 'c', n: null })
    const row = db.prepare('SELECT id, name, n FROM t WHERE name = ?').get('a')
    expect(row).toEqual({ id: 1, name: 'a', n: 1.5 })
    expect(db.prepare('SELECT name FROM t WHERE name = ?').get('zz')).toBeUndefined()
    expect(db.prepare('SELECT name, n FROM t ORDER BY id').all()).toEqual([
      { name: 'a', n: 1.5 },
      { name: 'b', n: 2 },
      { name: 'c', n: null },
    ])
    expect([...db.prepare('SELECT id FROM t WHERE id > ?').iterate(1)]).toEqual([
      { id: 2 },
      { id: 3 },
    ])
    db.close()
  })

  it('pragma returns rows, or the first value with { simple: true }', () => {
    const db = open()
    expect(db.pragma('user_version', { simple: true })).toBe(0)
    db.pragma('user_version = 7')
    expect(db.pragma('user_version')).toEqual([{ user_version: 7 }])
    db.close()
  })

  it('transaction commits, rolls back on a throw, and nests as savepoints', () => {
    const db = open()
    const insert = db.prepare('INSERT INTO t (name) VALUES (?)')
    const count = () => (db.prepare('SELECT count(*) AS c FROM t').get() as { c: number }).c
    expect(db.transaction((name: string) => insert.run(name).changes)('a')).toBe(1)
    expect(() =>
      db.transaction(() => {
        insert.run('b')
        throw new Error('boom')
      })(),
    ).toThrow('boom')
    expect(count()).toBe(1)
    // An inner failure caught by the outer function undoes only the inner writes.
    db.transaction(() => {
      insert.run('c')
      try {
        db.transaction(() => {
          insert.run('d')
          insert.run('a') // UNIQUE violation
        })()
      } catch {
        // swallowed: the outer transaction goes on
      }
      insert.run('e')
    })()
    expect(db.prepare('SELECT name FROM t ORDER BY id').all()).toEqual([
      { name: 'a' },
      { name: 'c' },
      { name: 'e' },
    ])
    expect(db.inTransaction).toBe(false)
    db.close()
  })

  it('runs Local Instant end to end', async () => {
    const local = await startLocalInstant({ sqlite: driver, logger: false })
    try {
      const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
      await db.transact(
        db.tx.notes!['00000000-0000-4000-8000-000000000001']!.update({ text: 'hi' }),
      )
      expect(await db.query({ notes: {} })).toEqual({
        notes: [{ id: '00000000-0000-4000-8000-000000000001', text: 'hi' }],
      })
    } finally {
      await local.close()
    }
  })
})

describe.runIf(hasNodeSqlite)('both drivers on one file', () => {
  it('a database written with node:sqlite opens with better-sqlite3, and back', async () => {
    const dbPath = join(dir, 'both.db')
    const first = await startLocalInstant({ dbPath, sqlite: 'node:sqlite', logger: false })
    const admin = init({ appId: first.appId, adminToken: first.adminToken, apiURI: first.apiURI })
    const token = await admin.auth.createToken({ email: 'both@example.com' })
    await first.close()
    const second = await startLocalInstant({ dbPath, sqlite: 'better-sqlite3', logger: false })
    try {
      expect(second.appId).toBe(first.appId)
      const again = init({
        appId: second.appId,
        adminToken: second.adminToken,
        apiURI: second.apiURI,
      })
      expect((await again.auth.verifyToken(token)).email).toBe('both@example.com')
    } finally {
      await second.close()
    }
  })
})

describe('the sqlite option', () => {
  it('refuses an unknown driver', async () => {
    await expect(startLocalInstant({ sqlite: 'sqlite3' as never })).rejects.toThrow(
      new TypeError(
        "startLocalInstant(): `sqlite` must be 'node:sqlite' or 'better-sqlite3'; got a string.",
      ),
    )
  })

  it.runIf(!hasNodeSqlite)('refuses node:sqlite on a Node without it, saying which', async () => {
    await expect(startLocalInstant({ sqlite: 'node:sqlite' })).rejects.toThrow(
      new TypeError(
        `startLocalInstant(): \`sqlite\` must be 'better-sqlite3' on Node ${process.version} ` +
          "('node:sqlite' needs Node 22.13 or later); got 'node:sqlite'.",
      ),
    )
  })
})
