import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { importBackup } from '../../../src/local/backup/import.js'
import { createZipWriter } from '../../../src/local/backup/zip-writer.js'
import { openStore } from '../../../src/local/database.js'
import { defaultSqliteDriver } from '../../../src/local/sqlite.js'
import { runCli } from '../../../src/local/run-cli.js'
import { localInstants } from '../helpers.js'
import {
  ALICE,
  APP_ZIP,
  APP_ZIP64,
  BOB,
  EMPTY,
  LINKED_GUEST,
  bad,
  tableCounts,
  tempDir,
} from './fixtures.js'

const dir = tempDir('instant-local-import-')
const instants = localInstants()
let n = 0
const freshDb = (): string => join(dir, `db-${++n}.db`)

async function cli(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const result = await runCli(argv, {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    cwd: dir,
  })
  return { exitCode: result.exitCode, out: out.join(''), err: err.join('') }
}

describe('instant-local import', () => {
  it.each([
    ['deflate entries with data descriptors', APP_ZIP],
    ['zip64 records, stored and deflate entries', APP_ZIP64],
  ])(
    'loads a hand-made backup (%s): ids, createdAt, links both ways, users, rules',
    async (_, zip) => {
      const dbPath = freshDb()
      const r = await cli(['import', zip, '--db', dbPath])
      expect(r.err).toBe('')
      expect(r.exitCode).toBe(0)
      expect(r.out).toBe(
        [
          `Imported ${zip} into ${dbPath}`,
          '  namespace   imported     backup',
          '  $files             1          1',
          '  $users             4          4',
          '  posts              3          3',
          '  profiles           2          2',
          '  tags               2          2',
          'Rules: imported (Local Instant starts with them).',
          'Files: 1 blobs under files/ were not imported: Local Instant has no file storage yet. The $files rows were imported.',
          '',
        ].join('\n'),
      )

      const sqlite = new Database(dbPath, { readonly: true })
      expect(
        sqlite
          .prepare("SELECT id, created_at FROM data_entities WHERE ns = 'posts' ORDER BY id")
          .all(),
      ).toEqual([
        { id: '00000000-0000-4000-8000-00000000a001', created_at: 1772700000000 },
        { id: '00000000-0000-4000-8000-00000000a002', created_at: 1772700001000 },
        { id: '00000000-0000-4000-8000-00000000b001', created_at: 1772700002000 },
      ])
      expect(
        sqlite.prepare('SELECT id, email, type, created_at, extra FROM users ORDER BY id').all(),
      ).toEqual([
        {
          id: '9e570000-0000-4000-8000-000000000003',
          email: null,
          type: 'guest',
          created_at: 1776458067727,
          extra: `{"linkedPrimaryUser":"${ALICE}"}`,
        },
        {
          id: '9e570000-0000-4000-8000-000000000004',
          email: null,
          type: 'guest',
          created_at: 1776458070000,
          extra: '{}',
        },
        {
          id: ALICE,
          email: 'alice@example.com',
          type: 'user',
          created_at: 1772650963417,
          extra: '{}',
        },
        {
          id: BOB,
          email: 'bob@example.com',
          type: 'user',
          created_at: 1772650970000,
          extra: '{"imageURL":"https://example.com/bob.png"}',
        },
      ])
      sqlite.close()

      const { db } = await instants.start({ dbPath })
      const q = await db.query({
        posts: { $: { order: { title: 'asc' } }, author: {}, tags: {} },
        tags: { $: { where: { name: 'news' } }, posts: {} },
        $users: { $: { where: { id: ALICE } }, posts: {}, profile: {}, linkedGuestUsers: {} },
        $files: {},
      })
      expect(
        q.posts.map((p: any) => [
          p.title,
          p.published,
          p.author[0]?.id,
          p.tags.map((t: any) => t.name).sort(),
        ]),
      ).toEqual([
        ["Alice's draft", false, ALICE, []],
        ["Bob's draft", false, BOB, ['news']],
        ['Hello, world', true, ALICE, ['intro', 'news']],
      ])
      expect(q.posts[2]!.meta).toEqual({ words: 2, draft: false })
      expect((q.tags[0] as any).posts.map((p: any) => p.title).sort()).toEqual([
        "Bob's draft",
        'Hello, world',
      ])
      const alice = q.$users[0] as any
      expect(alice.email).toBe('alice@example.com')
      expect(alice.posts.map((p: any) => p.title).sort()).toEqual(["Alice's draft", 'Hello, world'])
      expect(alice.profile[0].handle).toBe('alice')
      expect(alice.linkedGuestUsers.map((g: any) => g.id)).toEqual([LINKED_GUEST])
      expect(q.$files).toEqual([
        {
          id: 'fd3a3356-f8d6-46cc-b56f-d3f470b44fbc',
          size: 19,
          'location-id': '30b051b6-cc5d-41ce-8538-8302d6fa2695',
          path: 'notes/readme.txt',
          'content-type': 'text/plain',
        },
      ])

      // The backup's rules apply: a guest sees the published post only, Alice her draft too.
      const asGuest = await db.asUser({ guest: true }).query({ posts: {} })
      expect(asGuest.posts.map((p: any) => p.title)).toEqual(['Hello, world'])
      const asAlice = await db.asUser({ email: 'alice@example.com' }).query({ posts: {} })
      expect(asAlice.posts.map((p: any) => p.title).sort()).toEqual([
        "Alice's draft",
        'Hello, world',
      ])
      const user = await db.auth.getUser({ email: 'bob@example.com' })
      expect(user).toMatchObject({ id: BOB, created_at: '2026-03-04T19:02:50Z', type: 'user' })
    },
  )

  it.each([
    ['not-a-zip', 'not a zip archive (no end of central directory record)', 'archive'],
    ['no-config', 'no config.json in the archive', 'archive'],
    ['no-id', 'entities/posts.jsonl line 2: the entity has no "id"', ''],
    [
      'dangling-link',
      'entities/posts.jsonl line 3: posts.author of 00000000-0000-4000-8000-00000000b001 links to dead0000-0000-4000-8000-000000000000, which is not a $users entity in the backup',
      '',
    ],
    [
      'bad-value',
      'entities/posts.jsonl line 2: Invalid value type for posts.published. Value must be a boolean but the provided value type is string.',
      '',
    ],
    [
      'duplicate-id',
      'entities/posts.jsonl line 3: duplicate id 00000000-0000-4000-8000-00000000a001',
      '',
    ],
    [
      'duplicate-unique',
      'entities/tags.jsonl line 2: tags.name is unique, but 7a900000-0000-4000-8000-000000000001 and 7a900000-0000-4000-8000-000000000002 both hold "intro"',
      '',
    ],
  ])('refuses %s, naming the file and line, and writes nothing', async (name, message, prefix) => {
    const dbPath = freshDb()
    const r = await cli(['import', bad(name), '--db', dbPath])
    expect(r.exitCode).toBe(1)
    expect(r.out).toBe('')
    const where = prefix === 'archive' ? `${bad(name)}: ` : ''
    expect(r.err).toBe(`instant-local: import failed, nothing was written: ${where}${message}\n`)
    expect(tableCounts(dbPath)).toEqual(EMPTY)
  })

  it('refuses a database that holds data unless --replace, which wipes it first', async () => {
    const dbPath = freshDb()
    const { local, db } = await instants.start({ dbPath })
    const token = await db.auth.createToken('old@example.com')
    expect(token).toEqual(expect.any(String))
    await local.close()

    const refused = await cli(['import', APP_ZIP, '--db', dbPath])
    expect(refused.exitCode).toBe(1)
    expect(refused.err).toBe(
      `instant-local: import failed, nothing was written: ${dbPath}: the database already holds data ` +
        '(0 entities, 1 users, 0 attributes); import into an empty one, or replace it (--replace)\n',
    )
    expect(tableCounts(dbPath).users).toBe(1)

    const replaced = await cli(['import', APP_ZIP, '--db', dbPath, '--replace'])
    expect(replaced.exitCode).toBe(0)
    const sqlite = new Database(dbPath, { readonly: true })
    expect(
      sqlite.prepare("SELECT COUNT(*) AS n FROM users WHERE email = 'old@example.com'").get(),
    ).toEqual({ n: 0 })
    expect(sqlite.prepare('SELECT COUNT(*) AS n FROM refresh_tokens').get()).toEqual({ n: 0 })
    sqlite.close()
    expect(tableCounts(dbPath)).toMatchObject({ data_entities: 8, users: 4, rules: 1 })
  })

  it('a failed --replace keeps the data that was there', async () => {
    const dbPath = freshDb()
    expect((await cli(['import', APP_ZIP, '--db', dbPath])).exitCode).toBe(0)
    const before = tableCounts(dbPath)
    const r = await cli(['import', bad('dangling-link'), '--db', dbPath, '--replace'])
    expect(r.exitCode).toBe(1)
    expect(tableCounts(dbPath)).toEqual(before)
  })

  it('checks its arguments', async () => {
    expect(await cli(['import'])).toEqual({
      exitCode: 2,
      out: '',
      err: 'instant-local: import takes one archive path\nRun instant-local import --help for usage.\n',
    })
    expect((await cli(['import', 'a.zip', '--rules', 'r.json'])).err).toContain(
      '--rules is for export',
    )
    expect((await cli(['import', '--help'])).out).toContain('instant-local import <backup.zip>')
    const missing = await cli(['import', 'nope.zip', '--db', freshDb()])
    expect(missing.exitCode).toBe(1)
    expect(missing.err).toMatch(
      /^instant-local: import failed, nothing was written: .*nope\.zip: cannot open: ENOENT/,
    )
  })
})

describe('importBackup progress', () => {
  it('reports the entities loaded so far while a long import runs', async () => {
    const zip = join(dir, 'many.zip')
    const writer = await createZipWriter(zip)
    await writer.add('config.json', JSON.stringify({ counts: { items: 12_000 }, schema: {} }))
    const lines = Array.from({ length: 12_000 }, (_, i) =>
      JSON.stringify({ entity: { id: randomUUID() }, createdAt: i }),
    )
    await writer.add('entities/items.jsonl', lines.join('\n'))
    await writer.close()
    const db = openStore(freshDb(), defaultSqliteDriver())
    const seen: unknown[] = []
    const summary = await importBackup(db, zip, {
      progressIntervalMs: 0,
      onProgress: (p) => seen.push(p),
    })
    db.close()
    expect(summary.imported).toEqual({ items: 12_000 })
    expect(seen).toEqual([
      { entities: 5_000, file: 'entities/items.jsonl' },
      { entities: 10_000, file: 'entities/items.jsonl' },
    ])
  })
})

describe('startLocalInstant({ backup })', () => {
  it('seeds the database from an archive', async () => {
    const { db } = await instants.start({ backup: APP_ZIP })
    const q = await db.query({ profiles: { user: {} } })
    expect(q.profiles.map((p: any) => [p.handle, p.user[0].id]).sort()).toEqual([
      ['alice', ALICE],
      ['bob', BOB],
    ])
  })

  it('refuses a database that holds data, as the CLI without --replace', async () => {
    const dbPath = freshDb()
    const first = await instants.start({ dbPath, backup: APP_ZIP })
    await first.local.close()
    await expect(instants.start({ dbPath, backup: APP_ZIP })).rejects.toThrow(
      `${dbPath}: the database already holds data (8 entities, 4 users, `,
    )
  })

  it('checks the option', async () => {
    await expect(instants.start({ backup: 5 as never })).rejects.toThrow(
      new TypeError(
        'startLocalInstant(): `backup` must be the path of a backup archive (a non-empty string); got 5.',
      ),
    )
    expect(existsSync(join(dir, 'none'))).toBe(false)
  })
})
