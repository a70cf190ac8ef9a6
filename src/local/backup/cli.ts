/**
 * `instant-local import <backup.zip>` and `instant-local export <out.zip>`: the backup
 * subcommands of the CLI (run-cli.ts hands them over).
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { openStore } from '../database.js'
import { defaultSqliteDriver } from '../sqlite.js'
import { BackupError } from './backup-error.js'
import { exportBackup } from './export.js'
import { importBackup, type ImportSummary } from './import.js'

/** The CLI's default database file, as run-cli.ts has it. */
const DEFAULT_CLI_DB = '.instant-local/app.db'

export const BACKUP_USAGE = `Usage: instant-local import <backup.zip> [--db FILE] [--replace]
       instant-local export <out.zip> [--db FILE] [--rules FILE]

import  loads an Instant backup (schema, rules, entities with their ids, links, $users) into
        the database, all or nothing; a database that holds data is refused unless --replace.
export  writes the database as an Instant backup, which self-hosted Instant restores
        (/intern/restore) and import reads back. No refresh tokens or magic codes go out.

Options:
  --db FILE      SQLite database file (default ${DEFAULT_CLI_DB})
  --replace      import: wipe the database first (its users, sessions and data)
  --rules FILE   export: the rules (.json) to write (default: those an import stored)
  -h, --help     show this help
`

interface BackupCliIo {
  stdout(text: string): void
  stderr(text: string): void
  cwd?: string
}

/** Runs `import` or `export` with the arguments after it; resolves the exit code. */
export async function runBackupCli(
  command: 'import' | 'export',
  argv: readonly string[],
  io: BackupCliIo,
): Promise<number> {
  let values: { db?: string; replace?: boolean; rules?: string; help?: boolean }
  let positionals: string[]
  try {
    ;({ values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        replace: { type: 'boolean' },
        rules: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
    if (values.help === true) {
      io.stdout(BACKUP_USAGE)
      return 0
    }
    if (positionals.length !== 1) throw new Error(`${command} takes one archive path`)
    if (command === 'import' && values.rules !== undefined) throw new Error('--rules is for export')
    if (command === 'export' && values.replace !== undefined)
      throw new Error('--replace is for import')
    if (values.db !== undefined && values.db.trim() === '')
      throw new Error('--db must not be empty')
  } catch (err) {
    io.stderr(
      `instant-local: ${(err as Error).message}\nRun instant-local ${command} --help for usage.\n`,
    )
    return 2
  }
  const cwd = io.cwd ?? process.cwd()
  const archive = resolve(cwd, positionals[0] as string)
  const dbPath = values.db === ':memory:' ? values.db : resolve(cwd, values.db ?? DEFAULT_CLI_DB)
  try {
    const db = openStore(dbPath, defaultSqliteDriver())
    try {
      if (command === 'import') {
        const summary = await importBackup(db, archive, {
          replace: values.replace === true,
          onProgress: (p) =>
            io.stderr(
              `instant-local: ${p.entities.toLocaleString('en-US')} entities… (${p.file})\n`,
            ),
        })
        io.stdout(importReport(archive, dbPath, summary))
      } else {
        const rules =
          values.rules === undefined
            ? undefined
            : (JSON.parse(await readFile(resolve(cwd, values.rules), 'utf8')) as unknown)
        const { counts } = await exportBackup(db, archive, { rules })
        const total = Object.values(counts).reduce((a, b) => a + b, 0)
        io.stdout(`Exported ${total} entities of ${dbPath} to ${archive}\n${table(counts)}`)
      }
    } finally {
      db.close()
    }
  } catch (err) {
    const message = err instanceof BackupError ? err.message : (err as Error).message
    const what = command === 'import' ? 'import failed, nothing was written' : 'export failed'
    io.stderr(`instant-local: ${what}: ${message}\n`)
    return 1
  }
  return 0
}

function table(counts: Record<string, number>, expected?: Record<string, number>): string {
  const names = [...new Set([...Object.keys(counts), ...Object.keys(expected ?? {})])].sort()
  const width = Math.max(9, ...names.map((n) => n.length))
  const rows = names.map((ns) => {
    const got = counts[ns] ?? 0
    if (!expected) return `  ${ns.padEnd(width)}  ${got}`
    const want = expected[ns]
    const note = want === undefined ? '(not in counts)' : want === got ? '' : '≠ backup'
    return `  ${ns.padEnd(width)}  ${String(got).padStart(9)}  ${String(want ?? '-').padStart(9)}  ${note}`.trimEnd()
  })
  const head = expected
    ? `  ${'namespace'.padEnd(width)}  ${'imported'.padStart(9)}  ${'backup'.padStart(9)}`
    : ''
  return [head, ...rows].filter((l) => l !== '').join('\n') + '\n'
}

function importReport(archive: string, dbPath: string, s: ImportSummary): string {
  const lines = [`Imported ${archive} into ${dbPath}`, table(s.imported, s.counts).trimEnd()]
  lines.push(
    s.rules ? 'Rules: imported (Local Instant starts with them).' : 'Rules: none in the backup.',
  )
  if (s.fileBlobs > 0) {
    lines.push(
      `Files: ${s.fileBlobs} blobs under files/ were not imported: Local Instant has no file storage yet. ` +
        'The $files rows were imported.',
    )
  }
  return lines.join('\n') + '\n'
}
