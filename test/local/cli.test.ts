import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { init } from '@instantdb/admin'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultSqliteDriver } from '../../src/local/sqlite.js'
import { closeOnSignals, runCli, USAGE, type CliResult } from '../../src/local/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'instant-local-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function io() {
  const out: string[] = []
  const err: string[] = []
  const logs: string[] = []
  return {
    out,
    err,
    logs,
    io: {
      stdout: (t: string) => void out.push(t),
      stderr: (t: string) => void err.push(t),
      logger: { info: (m: string) => void logs.push(m), error: (m: string) => void logs.push(m) },
      cwd: dir,
    },
  }
}

function running(result: CliResult) {
  if (result.exitCode !== undefined) throw new Error(`exited with ${result.exitCode}`)
  return result.local
}

describe('instant-local', () => {
  it('--help prints usage and exits 0', async () => {
    const t = io()
    expect(await runCli(['--help'], t.io)).toEqual({ exitCode: 0 })
    expect(t.out.join('')).toBe(USAGE)
    expect(USAGE).toContain('--magic-code-expiry-minutes N')
  })

  it.each([
    [['--nope'], "Unknown option '--nope'"],
    [['--port', 'abc'], '--port must be an integer from 0 to 65535, got "abc"'],
    [['--port', '70000'], '--port must be an integer from 0 to 65535, got "70000"'],
    [['--app-id', 'x'], '--app-id must be a UUID, got "x"'],
    [
      ['--magic-code-expiry-minutes', '0'],
      '--magic-code-expiry-minutes must be an integer from 1 to 525600, got "0"',
    ],
    [['extra'], "Unexpected argument 'extra'"],
    [['--sqlite', 'sqlite3'], '--sqlite must be node:sqlite or better-sqlite3, got "sqlite3"'],
    [['--rules', 'missing.json'], '--rules'],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const t = io()
    expect(await runCli(argv, t.io)).toEqual({ exitCode: 2 })
    expect(t.out).toEqual([])
    expect(t.err.join('')).toContain(message)
    expect(t.err.join('')).toContain('Run instant-local --help for usage.')
  })

  it('starts on the given db, prints apiURI, ids and an env snippet, and loads rules/schema files', async () => {
    writeFileSync(
      join(dir, 'rules.json'),
      JSON.stringify({ $users: { allow: { create: 'false' } } }),
    )
    writeFileSync(
      join(dir, 'schema.json'),
      JSON.stringify({ entities: { $users: { attrs: { nickname: {} } } } }),
    )
    const t = io()
    const local = running(
      await runCli(
        [
          '--port',
          '0',
          '--db',
          'sub/app.db',
          '--rules',
          'rules.json',
          '--schema',
          'schema.json',
          '--magic-code-expiry-minutes',
          '5',
        ],
        t.io,
      ),
    )
    try {
      const out = t.out.join('')
      expect(out).toContain(`Local Instant is running at ${local.apiURI}`)
      expect(out).toContain(
        `  database:    ${join(dir, 'sub/app.db')} (${defaultSqliteDriver()})\n`,
      )
      expect(local.websocketURI).toBe(`${local.apiURI.replace(/^http/, 'ws')}/runtime/session`)
      expect(out).toContain(`  websocket:   ${local.websocketURI}\n`)
      expect(out).toContain(`  rules:       ${join(dir, 'rules.json')} (watched)\n`)
      expect(out).toContain(`  schema:      ${join(dir, 'schema.json')} (watched)\n`)
      // Paste-ready lines for the server's and the browser's init.
      expect(out).toContain(
        `  init({ appId: '${local.appId}', adminToken: '${local.adminToken}', apiURI: '${local.apiURI}' })\n`,
      )
      expect(out).toContain(
        `  init({ appId: '${local.appId}', apiURI: '${local.apiURI}', websocketURI: '${local.websocketURI}' })\n`,
      )
      expect(out).toContain(
        `INSTANT_APP_ID=${local.appId} INSTANT_APP_ADMIN_TOKEN=${local.adminToken} INSTANT_API_URI=${local.apiURI}\n`,
      )
      // The rules file is in force: signup through the runtime route is denied.
      const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
      const { code } = await db.auth.generateMagicCode('cli@example.com')
      const res = await fetch(`${local.apiURI}/runtime/auth/verify_magic_code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 'app-id': local.appId, email: 'cli@example.com', code }),
      })
      expect(res.status).toBe(400)
      expect(((await res.json()) as any).type).toBe('permission-denied')
      // Log lines go to the logger, never with the admin token.
      // Every code is printed, the one generated for the app as well as the one sent.
      await db.auth.sendMagicCode('cli@example.com')
      expect(t.logs).toHaveLength(2)
      expect(t.logs[0]).toContain(
        `Magic code for cli@example.com (generated for your app, which emails it): ${code}`,
      )
      expect(t.logs.join('\n')).not.toContain(local.adminToken)
    } finally {
      await local.close()
    }
  })

  it('says when no rules or schema file is loaded', async () => {
    const t = io()
    const local = running(await runCli(['--port', '0', '--db', ':memory:'], t.io))
    try {
      const out = t.out.join('')
      expect(out).toContain(
        '  rules:       none (every operation is allowed; --rules FILE to load some)\n',
      )
      expect(out).toContain(
        '  schema:      none (attributes are created as the app writes; --schema FILE)\n',
      )
    } finally {
      await local.close()
    }
  })

  it('a port in use exits 1 with a hint at --port 0', async () => {
    const first = running(await runCli(['--port', '0', '--db', ':memory:'], io().io))
    try {
      const t = io()
      const port = new URL(first.apiURI).port
      expect(await runCli(['--port', port, '--db', ':memory:'], t.io)).toEqual({ exitCode: 1 })
      expect(t.out).toEqual([])
      expect(t.err.join('')).toMatch(
        /^instant-local: could not start: listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+ \(another process listens there: stop it, or pass --port 0 for any free port\)\n$/,
      )
    } finally {
      await first.close()
    }
  })

  it('SIGINT closes the server and the database, keeping the data', async () => {
    const t = io()
    const local = running(await runCli(['--port', '0', '--db', 'signal.db'], t.io))
    const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
    const token = await db.auth.createToken({ email: 'sig@example.com' })
    const proc = Object.assign(new EventEmitter(), {
      exitCode: undefined as number | string | undefined,
      exit: (code?: number): never => {
        throw new Error(`exit ${String(code)}`)
      },
    })
    const done = closeOnSignals(local, proc as any, t.io)
    proc.emit('SIGINT', 'SIGINT')
    await done
    expect(proc.exitCode).toBe(0)
    expect(t.err.join('')).toContain('instant-local: SIGINT, shutting down')
    await expect(fetch(`${local.apiURI}/admin/users`)).rejects.toThrow()

    const again = running(await runCli(['--port', '0', '--db', 'signal.db'], io().io))
    try {
      expect(again.appId).toBe(local.appId)
      const db2 = init({ appId: again.appId, adminToken: again.adminToken, apiURI: again.apiURI })
      expect((await db2.auth.verifyToken(token)).email).toBe('sig@example.com')
    } finally {
      await again.close()
    }
  })
})
