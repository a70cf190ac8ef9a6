import { init } from '@instantdb/admin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalInstant, type LocalInstant } from 'instant-express-auth/local'
import { rejectionOf } from './helpers.js'

const lines: string[] = []
let explode = false
let local: LocalInstant

beforeAll(async () => {
  local = await startLocalInstant({
    logger: {
      info(m) {
        if (explode) throw new Error('log sink is down')
        lines.push(m)
      },
      error: (m) => lines.push(m),
    },
  })
})
afterAll(async () => {
  await local.close()
})

describe('unexpected errors', () => {
  it('a non-Instant error is a 500 "unknown", logged, and the server keeps answering', async () => {
    const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
    explode = true
    const err = await rejectionOf(db.auth.sendMagicCode('boom@example.com'))
    explode = false
    expect(err.status).toBe(500)
    expect(err.body).toEqual({
      type: 'unknown',
      message: 'Something went wrong. Sorry about this!',
    })
    expect(lines.at(-1)).toMatch(
      /^Local Instant: unexpected error on POST \/admin\/send_magic_code: Error: log sink is down/,
    )
    expect((await db.auth.generateMagicCode('boom@example.com')).code).toMatch(/^\d{6}$/)
  })
})

describe('secrets never reach the logger', () => {
  it('admin token and refresh tokens stay out of every log line', async () => {
    const db = init({ appId: local.appId, adminToken: local.adminToken, apiURI: local.apiURI })
    const tokens: string[] = []
    tokens.push(await db.auth.createToken({ email: 'sec@example.com' }))
    const { code } = await db.auth.sendMagicCode('sec@example.com')
    tokens.push((await db.auth.checkMagicCode('sec@example.com', code)).user.refresh_token)
    const wrong = init({
      appId: local.appId,
      adminToken: 'c0ffee00-0000-4000-8000-000000000000',
      apiURI: local.apiURI,
    })
    await rejectionOf(wrong.auth.createToken({ email: 'sec@example.com' }))
    await rejectionOf(db.auth.checkMagicCode('sec@example.com', '123123'))
    await db.auth.signOut({ refresh_token: tokens[0] as string })
    await rejectionOf(db.auth.verifyToken(tokens[0] as string))
    const guest = await fetch(`${local.apiURI}/runtime/auth/sign_in_guest`, {
      method: 'POST',
      body: JSON.stringify({ 'app-id': local.appId }),
    })
    tokens.push(((await guest.json()) as any).user.refresh_token)

    expect(lines.length).toBeGreaterThan(0)
    const all = lines.join('\n')
    expect(all).toContain(`Magic code for sec@example.com: ${code}`)
    expect(all).not.toContain(local.adminToken)
    expect(all).not.toContain('c0ffee00-0000-4000-8000-000000000000')
    for (const t of tokens) expect(all).not.toContain(t)
  })
})
