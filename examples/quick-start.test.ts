/**
 * The README's quick start, run as the README says: Local Instant's three INSTANT_* values in the
 * environment, the file started, then the curl steps (send a code, verify it, write, read,
 * sign out) against it.
 */
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { startTestInstant } from './test-support.js'

let instant: Awaited<ReturnType<typeof startTestInstant>>
let server: Server
let base: string
const printed: string[] = []

beforeAll(async () => {
  instant = await startTestInstant({
    rules: {
      notes: { allow: { view: 'auth.id == data.ownerId', create: 'auth.id == newData.ownerId' } },
    },
  })
  vi.stubEnv('INSTANT_APP_ID', instant.local.appId)
  vi.stubEnv('INSTANT_APP_ADMIN_TOKEN', instant.local.adminToken)
  vi.stubEnv('INSTANT_API_URI', instant.local.apiURI)
  vi.stubEnv('PORT', '0')
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)))
  vi.spyOn(console, 'info').mockImplementation((line: unknown) => void printed.push(String(line)))
  ;({ server } = (await import('./quick-start.js')) as { server: Server })
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve))
  await new Promise((resolve) => setImmediate(resolve)) // the listen callback has printed
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
  server?.closeAllConnections()
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  await instant?.close()
})

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { token } : {}) },
    body: JSON.stringify(body),
  })

it('the curl steps: a code printed, a token, a note written and read as the user, signed out', async () => {
  expect(printed).toContain(
    `Listening on http://localhost:${(server.address() as AddressInfo).port}`,
  )
  const email = 'quick@example.com'
  expect((await post('/custom-send-magic-code', { email })).status).toBe(200)
  // consoleEmail() printed the code (and Local Instant's mailbox has it too).
  const code = instant.local.mailbox.lastCodeFor(email)!
  expect(printed.some((line) => line.includes(code))).toBe(true)
  const verified = await post('/verify-magic-code', { email, code })
  expect(verified.status).toBe(200)
  const { token } = (await verified.json()) as { token: string }

  const written = await post('/notes', { text: 'hello' }, token)
  expect(written.status).toBe(201)
  const { id } = (await written.json()) as { id: string }
  const read = await fetch(`${base}/notes`, { headers: { token } })
  expect(await read.json()).toEqual({ notes: [{ id, text: 'hello', ownerId: expect.any(String) }] })

  expect((await fetch(`${base}/notes`)).status).toBe(401)
  expect((await post('/sign-out', {}, token)).status).toBe(204)
  expect((await fetch(`${base}/notes`, { headers: { token } })).status).toBe(401)
})

it("is the README's quick start, character for character", () => {
  const file = readFileSync(new URL('./quick-start.ts', import.meta.url), 'utf8').trimEnd()
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  expect(readme).toContain(`\`\`\`ts\n${file}\n\`\`\``)
})
