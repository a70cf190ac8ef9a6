import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../../../src/local/run-cli.js'
import { openZip } from '../../../src/local/backup/zip-reader.js'
import { localInstants } from '../helpers.js'
import { APP_ZIP, FIXTURES, tempDir } from './fixtures.js'

const dir = tempDir('instant-local-export-')
const instants = localInstants()
let n = 0
const fresh = (ext: string): string => join(dir, `f-${++n}.${ext}`)

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

/** Every entry of an archive, by name, in the archive's order. */
async function entries(zip: string): Promise<[string, string][]> {
  const archive = await openZip(zip)
  try {
    const out: [string, string][] = []
    for (const e of archive.entries) out.push([e.name, (await archive.readEntry(e)).toString()])
    return out
  } finally {
    await archive.close()
  }
}

/** A `.jsonl` file as entities by id, link arrays sorted: the same data in any order. */
function byId(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const row = JSON.parse(line) as { entity: Record<string, unknown>; createdAt: number }
    const entity = Object.fromEntries(
      Object.entries(row.entity).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v]),
    )
    out[row.entity['id'] as string] = { entity, createdAt: row.createdAt }
  }
  return out
}

describe('instant-local export', () => {
  it('writes the backup format; export → import → export is identical', async () => {
    const db1 = fresh('db')
    const a = fresh('zip')
    expect((await cli(['import', APP_ZIP, '--db', db1])).exitCode).toBe(0)
    const exported = await cli(['export', a, '--db', db1])
    expect(exported).toEqual({
      exitCode: 0,
      err: '',
      out: [
        `Exported 12 entities of ${db1} to ${a}`,
        '  $files     1',
        '  $users     4',
        '  posts      3',
        '  profiles   2',
        '  tags       2',
        '',
      ].join('\n'),
    })
    const db2 = fresh('db')
    const b = fresh('zip')
    expect((await cli(['import', a, '--db', db2])).exitCode).toBe(0)
    expect((await cli(['export', b, '--db', db2])).exitCode).toBe(0)

    const first = await entries(a)
    const second = await entries(b)
    // config.json first, as Instant's restore requires; no files/ (Local Instant keeps no blobs).
    expect(first.map(([name]) => name)).toEqual([
      'config.json',
      'entities/$files.jsonl',
      'entities/$users.jsonl',
      'entities/posts.jsonl',
      'entities/profiles.jsonl',
      'entities/tags.jsonl',
    ])
    expect(second.map(([name]) => name)).toEqual(first.map(([name]) => name))
    for (const [i, [name, text]] of first.entries()) {
      if (name === 'config.json') continue
      expect(second[i]![1]).toBe(text)
    }
    const configOf = (list: [string, string][]) => {
      const { backupAt, ...rest } = JSON.parse(list[0]![1]) as Record<string, unknown>
      expect(backupAt).toMatch(/^\d{4}-\d{2}-\d{2}T/)
      return rest
    }
    expect(configOf(second)).toEqual(configOf(first))

    // And it holds the hand-made backup's data: every entity, id, createdAt and link.
    const fixture = JSON.parse(readFileSync(join(FIXTURES, 'app/config.json'), 'utf8'))
    const config = configOf(first)
    expect(config['counts']).toEqual(fixture.counts)
    expect(config['rules']).toEqual(fixture.rules)
    expect((config['schema'] as any).links.postsAuthor).toEqual(fixture.schema.links.postsAuthor)
    expect((config['schema'] as any).entities.posts).toEqual(fixture.schema.entities.posts)
    for (const file of readdirSync(join(FIXTURES, 'app/entities'))) {
      const original = readFileSync(join(FIXTURES, 'app/entities', file), 'utf8')
      const written = first.find(([name]) => name === `entities/${file}`)![1]
      expect(byId(written)).toEqual(byId(original))
    }
  })

  it('never writes refresh tokens or magic codes', async () => {
    const dbPath = fresh('db')
    const { local, db } = await instants.start({ dbPath })
    const token = await db.auth.createToken('carol@example.com')
    await db.auth.sendMagicCode('carol@example.com')
    const code = local.mailbox.lastCodeFor('carol@example.com')!
    await local.close()

    const out = fresh('zip')
    expect((await cli(['export', out, '--db', dbPath])).exitCode).toBe(0)
    const all = (await entries(out)).map(([, text]) => text).join('\n')
    const sha = (s: string) => createHash('sha256').update(s).digest('hex')
    for (const secret of [token, code, sha(token), sha(code)]) expect(all).not.toContain(secret)
    const users = (await entries(out)).find(([name]) => name === 'entities/$users.jsonl')![1]
    const row = JSON.parse(users) as { entity: Record<string, unknown> }
    expect(Object.keys(row.entity).sort()).toEqual(['email', 'id'])
  })

  it('leaves no archive behind when it cannot write, and checks its arguments', async () => {
    const out = join(dir, 'missing-folder', 'out.zip')
    const r = await cli(['export', out, '--db', fresh('db')])
    expect(r.exitCode).toBe(1)
    expect(r.err).toMatch(/^instant-local: export failed: .*out\.zip: cannot write: ENOENT/)
    expect(existsSync(join(dir, 'missing-folder'))).toBe(false)
    expect((await cli(['export'])).exitCode).toBe(2)
    expect((await cli(['export', 'x.zip', '--replace'])).err).toContain('--replace is for import')
  })
})
