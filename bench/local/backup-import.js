// @ts-check
// Import throughput of an Instant backup archive: generates a backup of BENCH_BACKUP_ENTITIES
// entities (default 100,000: a tenth $users, a tenth tags, the rest posts, each post with an
// author and two tags), then, in a process of its own, seeds a Local Instant from it through the
// public `startLocalInstant({ backup })` into a database file. Prints one JSON line: entities/s,
// and the peak RSS growth over the process's baseline (modules and SQLite loaded) during it.
// Env: BENCH_BACKUP_ENTITIES; BENCH_BACKUP_CHILD=<zip> runs the measured side.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { crc32, deflateRawSync } from 'node:zlib'

const ENTITIES = Number(process.env.BENCH_BACKUP_ENTITIES ?? 100_000)
const MIB = 1024 * 1024

/** A UUID-shaped id for entity `n` of kind `k` (deterministic, so runs compare). */
const uuid = (/** @type {number} */ k, /** @type {number} */ n) =>
  `${String(k).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`

/** The backup as Instant writes it: config.json, then entities/<ns>.jsonl. */
function generate() {
  const users = Math.max(1, Math.floor(ENTITIES / 10))
  const tags = Math.max(1, Math.floor(ENTITIES / 10))
  const posts = ENTITIES - users - tags
  const t0 = 1_772_000_000_000
  /** @type {string[]} */
  const lines = []
  for (let i = 0; i < users; i++) {
    lines.push(
      JSON.stringify({
        entity: { id: uuid(1, i), email: `user${i}@example.com`, type: 'user' },
        createdAt: t0 + i,
      }),
    )
  }
  const usersJsonl = lines.join('\n') + '\n'
  lines.length = 0
  for (let i = 0; i < tags; i++) {
    lines.push(JSON.stringify({ entity: { id: uuid(3, i), name: `tag-${i}` }, createdAt: t0 + i }))
  }
  const tagsJsonl = lines.join('\n') + '\n'
  lines.length = 0
  for (let i = 0; i < posts; i++) {
    const entity = {
      id: uuid(2, i),
      title: `Post number ${i}`,
      body: `Lorem ipsum dolor sit amet, post ${i} of ${posts}, consectetur adipiscing elit.`,
      score: i % 1000,
      published: i % 3 !== 0,
      author: uuid(1, i % users),
      tags: [uuid(3, i % tags), uuid(3, (i * 7 + 1) % tags)].filter(
        (v, j, a) => a.indexOf(v) === j,
      ),
    }
    lines.push(JSON.stringify({ entity, createdAt: t0 + i }))
  }
  const postsJsonl = lines.join('\n') + '\n'
  const attr = (/** @type {string} */ valueType, unique = false, indexed = false) => ({
    valueType,
    config: { unique, indexed },
  })
  const config = {
    counts: { $users: users, posts, tags },
    schema: {
      entities: {
        $users: { attrs: { email: attr('string', true, true), type: attr('string') } },
        posts: {
          attrs: {
            title: attr('string', false, true),
            body: attr('string'),
            score: attr('number', false, true),
            published: attr('boolean'),
          },
        },
        tags: { attrs: { name: attr('string', true, true) } },
      },
      links: {
        postsAuthor: {
          forward: { on: 'posts', label: 'author', has: 'one' },
          reverse: { on: '$users', label: 'posts', has: 'many' },
        },
        postsTags: {
          forward: { on: 'posts', label: 'tags', has: 'many' },
          reverse: { on: 'tags', label: 'posts', has: 'many' },
        },
      },
    },
    rules: { posts: { allow: { view: 'true' } } },
  }
  return [
    ['config.json', JSON.stringify(config)],
    ['entities/$users.jsonl', usersJsonl],
    ['entities/posts.jsonl', postsJsonl],
    ['entities/tags.jsonl', tagsJsonl],
  ]
}

/** A plain zip (deflate, no zip64: the generated archive is small) of `entries`. */
function zip(/** @type {string[][]} */ entries) {
  /** @type {Buffer[]} */
  const parts = []
  /** @type {Buffer[]} */
  const central = []
  let offset = 0
  for (const [name, text] of entries) {
    const data = Buffer.from(/** @type {string} */ (text))
    const body = deflateRawSync(data)
    const n = Buffer.from(/** @type {string} */ (name))
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x800, 6)
    local.writeUInt16LE(8, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(n.length, 26)
    const c = Buffer.alloc(46)
    c.writeUInt32LE(0x02014b50, 0)
    c.writeUInt16LE(20, 4)
    c.writeUInt16LE(20, 6)
    c.writeUInt16LE(0x800, 8)
    c.writeUInt16LE(8, 10)
    c.writeUInt32LE(crc, 16)
    c.writeUInt32LE(body.length, 20)
    c.writeUInt32LE(data.length, 24)
    c.writeUInt16LE(n.length, 28)
    c.writeUInt32LE(offset, 42)
    central.push(c, n)
    parts.push(local, n, body)
    offset += 30 + n.length + body.length
  }
  const cd = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...parts, cd, end])
}

async function measure(/** @type {string} */ zipPath) {
  const { startLocalInstant } = await import('../../dist/local/index.js')
  // Load SQLite (and CEL, for the rules) before the baseline: the growth is the import's own.
  const require = createRequire(import.meta.url)
  require('better-sqlite3')
  require('@marcbachmann/cel-js')
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'))
  try {
    globalThis.gc?.()
    const baseline = process.memoryUsage().rss
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const local = await startLocalInstant({
      backup: zipPath,
      dbPath: join(dir, 'app.db'),
      logger: false,
    })
    const ms = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const cpuMs = (cpu.user + cpu.system) / 1000
    // maxRSS (KiB) is the process's high-water mark: never below the baseline.
    const peak = process.resourceUsage().maxRSS * 1024
    await local.close()
    return {
      entities: ENTITIES,
      ms,
      entitiesPerS: (ENTITIES / ms) * 1000,
      // On a shared machine the wall clock waits for other work; CPU time shows the import's own cost.
      cpuMs,
      entitiesPerCpuS: (ENTITIES / cpuMs) * 1000,
      rssBaselineMiB: baseline / MIB,
      rssPeakMiB: peak / MIB,
      rssGrowthMiB: Math.max(0, peak - baseline) / MIB,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.env.BENCH_BACKUP_CHILD) {
  console.log(JSON.stringify(await measure(process.env.BENCH_BACKUP_CHILD)))
} else if (
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === resolve(process.argv[1])
) {
  // Run directly: generate, then measure in a child of our own (fresh RSS).
  const { execFileSync } = await import('node:child_process')
  const dir = mkdtempSync(join(tmpdir(), 'bench-backup-'))
  try {
    const zipPath = join(dir, 'backup.zip')
    writeFileSync(zipPath, zip(generate()))
    const out = execFileSync(process.execPath, [process.argv[1]], {
      env: { ...process.env, BENCH_BACKUP_CHILD: zipPath },
      encoding: 'utf8',
    })
    process.stdout.write(out)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export { generate, zip }
