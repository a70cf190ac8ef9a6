/**
 * With `onError: 'next'`, what the kit hands on leaves the kit: the app's error handler, its
 * logger and Express's default handler print it. Against an upstream that echoes the request
 * headers (the admin token among them) in its error message, nothing handed on may carry them.
 */
import { format, inspect } from 'node:util'
import type { IncomingMessage, ServerResponse } from 'node:http'
import express from 'express'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { init as sdkInit } from '@instantdb/admin'
import { init } from '../../src/admin/index.js'
import { signOutRouter } from '../../src/index.js'
import type { InstantAuthDb } from '../../src/instant/instant-db.js'
import { close, createServer, listen } from '../helpers.js'

const APP_ID = '5c1e7c52-3b0e-4a86-9d59-8f1d3b3f1a11'
const ADMIN_TOKEN = 'admin-secret-4f0c2b9e-6a71-4d2e-9c3b-1e5f8a7d6c54'
const TOKEN = '6b1d2c3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e'

/** Answers every request 500 with the request's headers in `message`, `hint` and the body. */
const echo = createServer((req: IncomingMessage, res: ServerResponse) => {
  const seen = JSON.stringify(req.headers)
  res.writeHead(500, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ type: 'echo', message: `upstream saw ${seen}`, hint: { seen } }))
})
let apiURI: string

beforeAll(async () => {
  apiURI = await listen(echo)
})
afterAll(() => close(echo))

const SECRETS = [ADMIN_TOKEN, TOKEN]

describe.each(['ours', 'sdk'] as const)('errors handed to next(err), db = %s client', (kind) => {
  function db(): InstantAuthDb {
    const config = { appId: APP_ID, adminToken: ADMIN_TOKEN, apiURI }
    return (kind === 'ours' ? init(config) : sdkInit(config)) as unknown as InstantAuthDb
  }

  it('carry only a redacted cause: inspect, JSON and the cause chain hold no secret', async () => {
    const seen: unknown[] = []
    const app = express()
    app.use(signOutRouter({ db: db(), onError: 'next', logger: { warn() {}, error() {} } }))
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: unknown) => {
      seen.push(err)
      res.status(503).end()
    })
    await request(app).post('/sign-out').set('token', TOKEN).expect(503)
    expect(seen).toHaveLength(1)
    const err = seen[0] as Error & { code: string }
    expect(err.code).toBe('auth_unavailable')
    const printed = [
      inspect(err, { depth: 20, showHidden: true }),
      JSON.stringify(err),
      String(err),
      err.stack,
    ]
    for (let cause = err.cause as any; cause !== undefined; cause = cause.cause) {
      printed.push(inspect(cause, { depth: 20, showHidden: true }), String(cause.message))
      printed.push(JSON.stringify(cause), String(cause.stack))
    }
    for (const text of printed) for (const secret of SECRETS) expect(text).not.toContain(secret)
    // What an operator needs is still there.
    expect(err.cause).toEqual(
      expect.objectContaining({ name: 'InstantAPIError', status: 500, type: 'echo' }),
    )
  })

  it("Express's default handler, in development, prints nothing secret either", async () => {
    const app = express()
    app.set('env', 'development')
    app.use(signOutRouter({ db: db(), onError: 'next', logger: { warn() {}, error() {} } }))
    // The default handler logs the error (cause chain included) with console.error.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    let res: request.Response
    let log = ''
    try {
      res = await request(app).post('/sign-out').set('token', TOKEN).expect(503)
      // finalhandler logs on the next turn of the event loop (setImmediate).
      await new Promise((resolve) => setImmediate(resolve))
      log = logged.mock.calls.map((args) => format(...args)).join('\n')
    } finally {
      logged.mockRestore()
    }
    expect(res.text).toContain('KitError')
    expect(log).toContain('InstantAPIError')
    for (const secret of SECRETS) {
      expect(res.text).not.toContain(secret)
      expect(log).not.toContain(secret)
    }
  })
})
