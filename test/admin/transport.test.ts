/** Transport-failure classification against real loopback servers. */
import { createServer } from 'node:http'
import type { Server, ServerResponse, IncomingMessage } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo, Socket } from 'node:net'
import { Pool } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_MAX_RESPONSE_BYTES, MAX_AUTH_RESPONSE_BYTES } from '../../src/admin/options.js'
import { init, InstantAPIError, InstantTransportError } from '../../src/admin/index.js'
import type { InstantAdminDatabase } from '../../src/admin/index.js'

const APP_ID = '5f6a1c3e-9b2d-4e8f-a1b2-c3d4e5f6a7b8'
const ADMIN_TOKEN = '0c9e7d1a-2b3c-4d5e-8f90-a1b2c3d4e5f6'
const REFRESH_TOKEN = '9d1e2f3a-4b5c-4d6e-9f70-8a9b0c1d2e3f'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

const servers: Server[] = []
const clients: InstantAdminDatabase[] = []

async function listen(
  handler: Handler,
): Promise<{ url: string; server: Server; sockets: Set<Socket> }> {
  const server = createServer(handler)
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => sockets.add(socket))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  servers.push(server)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sockets }
}

function client(apiURI: string, extra: { headersTimeoutMs?: number; bodyTimeoutMs?: number } = {}) {
  const db = init({ appId: APP_ID, adminToken: ADMIN_TOKEN, apiURI, ...extra })
  clients.push(db)
  return db
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

let refusedURI: string
let silent: string
let reset: string
let slowBody: string
let html200: string
let html502: string
let counting: { url: string; connections: () => number }

beforeAll(async () => {
  const closed = await listen(() => {})
  refusedURI = closed.url
  closed.server.close()
  await once(closed.server, 'close')
  servers.splice(servers.indexOf(closed.server), 1)

  silent = (await listen(() => {})).url
  reset = (
    await listen((req) => {
      req.socket.resetAndDestroy()
    })
  ).url
  slowBody = (
    await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"goals":')
    })
  ).url
  html200 = (
    await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<html>Sign in to the proxy</html>')
    })
  ).url
  html502 = (
    await listen((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' })
      res.end('<html>Bad gateway</html>')
    })
  ).url
  const countingServer = await listen((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"goals":[]}')
    })
  })
  counting = { url: countingServer.url, connections: () => countingServer.sockets.size }
})

afterAll(async () => {
  await Promise.all(clients.map((db) => db.close()))
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
  await Promise.all(servers.map((server) => once(server, 'close')))
})

describe('transport errors', () => {
  it('a refused port is INSTANT_UNREACHABLE with the undici error as cause', async () => {
    const error = await rejection(client(refusedURI).query({ goals: {} }))
    expect(error).toBeInstanceOf(InstantTransportError)
    expect(error).toMatchObject({ name: 'InstantTransportError', code: 'INSTANT_UNREACHABLE' })
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' })
    expect((error as Error).message).toBe(
      `Instant is unreachable (POST ${refusedURI}/admin/query): ${((error as Error).cause as Error).message}`,
    )
  })

  it('a server that never answers is INSTANT_TIMEOUT after headersTimeoutMs', async () => {
    const started = performance.now()
    const error = await rejection(client(silent, { headersTimeoutMs: 200 }).query({ goals: {} }))
    const elapsed = performance.now() - started
    expect(error).toMatchObject({ code: 'INSTANT_TIMEOUT' })
    expect((error as Error).cause).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' })
    expect(elapsed).toBeGreaterThanOrEqual(190)
    expect(elapsed).toBeLessThan(2_000)
  })

  it('a body that stalls is INSTANT_TIMEOUT after bodyTimeoutMs', async () => {
    const error = await rejection(client(slowBody, { bodyTimeoutMs: 200 }).query({ goals: {} }))
    expect(error).toMatchObject({ code: 'INSTANT_TIMEOUT' })
    expect((error as Error).cause).toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' })
  })

  it('a reset socket is INSTANT_UNREACHABLE', async () => {
    const error = await rejection(client(reset).auth.verifyToken(REFRESH_TOKEN))
    expect(error).toMatchObject({ code: 'INSTANT_UNREACHABLE' })
    expect((error as Error).cause).toBeInstanceOf(Error)
  })

  it('HTML with 200 is INSTANT_BAD_RESPONSE with the parse error as cause', async () => {
    const error = await rejection(client(html200).query({ goals: {} }))
    expect(error).toMatchObject({ code: 'INSTANT_BAD_RESPONSE' })
    expect((error as Error).cause).toBeInstanceOf(SyntaxError)
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Instant answered 200 with a body that is not JSON \\(POST ${html200}/admin/query\\): `,
      ),
    )
  })

  it('verifyToken answered 200 without a user is INSTANT_BAD_RESPONSE, never a silent undefined', async () => {
    const { url } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{}')
    })
    const error = await rejection(client(url).auth.verifyToken(REFRESH_TOKEN))
    expect(error).toBeInstanceOf(InstantTransportError)
    expect(error).toMatchObject({ code: 'INSTANT_BAD_RESPONSE' })
    expect((error as Error).message).toBe(
      `Instant answered 200 without a user (POST /runtime/auth/verify_refresh_token)`,
    )
  })

  it('HTML with 502 is an InstantAPIError, as in the SDK', async () => {
    const error = await rejection(client(html502).query({ goals: {} }))
    expect(error).toBeInstanceOf(InstantAPIError)
    expect(error).toMatchObject({
      status: 502,
      message: '<html>Bad gateway</html>',
      body: { type: undefined, message: '<html>Bad gateway</html>' },
    })
  })

  it('an abort signal is INSTANT_ABORTED, before or during the request', async () => {
    const db = client(silent)
    const controller = new AbortController()
    const pending = rejection(db.query({ goals: {} }, { signal: controller.signal }))
    controller.abort()
    expect(await pending).toMatchObject({ code: 'INSTANT_ABORTED' })

    const early = await rejection(
      db.auth.verifyToken(REFRESH_TOKEN, { signal: AbortSignal.abort() }),
    )
    expect(early).toMatchObject({ code: 'INSTANT_ABORTED' })
  })

  it('timeoutMs cancels the call at its deadline: INSTANT_TIMEOUT, socket closed, no token in the message', async () => {
    const { url, server } = await listen(() => {})
    const closed = new Promise<void>((resolve) => {
      server.on('connection', (socket: Socket) => socket.on('close', () => resolve()))
    })
    // The transport's own timeouts are far away: only the call's deadline can end this.
    const db = client(url, { headersTimeoutMs: 60_000 })
    const error = await rejection(db.auth.verifyToken(REFRESH_TOKEN, { timeoutMs: 100 }))
    expect(error).toBeInstanceOf(InstantTransportError)
    expect(error).toMatchObject({ code: 'INSTANT_TIMEOUT' })
    expect((error as Error).message).toBe(
      `Instant did not answer in time (POST ${url}/runtime/auth/verify_refresh_token): no answer within 100 ms`,
    )
    expect((error as Error).message).not.toContain(REFRESH_TOKEN)
    await closed // the request was cancelled, not left running
    // query and transact take it too.
    expect(await rejection(db.query({ goals: {} }, { timeoutMs: 50 }))).toMatchObject({
      code: 'INSTANT_TIMEOUT',
    })
    expect(await rejection(db.transact([], { timeoutMs: 50 }))).toMatchObject({
      code: 'INSTANT_TIMEOUT',
    })
  }, 10_000)

  it('timeoutMs counts time queued behind other requests', async () => {
    const { url } = await listen(() => {})
    const db = init({
      appId: APP_ID,
      adminToken: ADMIN_TOKEN,
      apiURI: url,
      dispatcher: new Pool(url, { connections: 1, headersTimeout: 60_000 }),
    })
    clients.push(db)
    const first = db.query({ goals: {} }) // holds the only connection
    const queued = await rejection(db.query({ goals: {} }, { timeoutMs: 50 }))
    expect(queued).toMatchObject({ code: 'INSTANT_TIMEOUT' })
    expect((queued as Error).message).toContain('no answer within 50 ms')
    void first.catch(() => {}) // ended by afterAll closing the server
  }, 10_000)

  it('a timeoutMs that no timer can honour is a TypeError before any request', async () => {
    const db = client(counting.url)
    for (const [timeoutMs, got] of [
      [0, '0'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [2 ** 31, '2147483648'],
      ['100', 'a string'],
    ] as const) {
      const error = await rejection(
        db.auth.verifyToken(REFRESH_TOKEN, { timeoutMs: timeoutMs as number }),
      )
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toBe(
        `instant-express-auth/admin call(): \`timeoutMs\` must be a positive number of milliseconds up to 2147483647; got ${got}.`,
      )
    }
  })

  it('never puts the query string or a token in the message', async () => {
    const error = await rejection(client(refusedURI).auth.getUser({ refresh_token: REFRESH_TOKEN }))
    expect((error as Error).message).toContain(`(GET ${refusedURI}/admin/users)`)
    expect((error as Error).message).not.toContain(REFRESH_TOKEN)
    expect((error as Error).message).not.toContain(ADMIN_TOKEN)
  })
})

describe('connection reuse', () => {
  it('reuses its keep-alive sockets across calls and asUser scopes', async () => {
    const db = client(counting.url)
    // undici may open a second socket when a call follows the previous answer in the same tick.
    await db.query({ goals: {} })
    await db.query({ goals: {} })
    const warm = counting.connections()
    for (let round = 0; round < 3; round++) {
      await db.query({ goals: {} })
      await db.asUser({ guest: true }).query({ goals: {} })
      await db.asUser({ token: REFRESH_TOKEN }).query({ goals: {} })
    }
    expect(counting.connections()).toBe(warm)
  })

  it('rejects with INSTANT_UNREACHABLE after close()', async () => {
    const db = client(counting.url)
    await db.close()
    const error = await rejection(db.query({ goals: {} }))
    expect(error).toMatchObject({ code: 'INSTANT_UNREACHABLE' })
  })
})

describe('response size caps', () => {
  /** Streams `{"user":{"id":…,"pad":"aaa…"}}` of about `bytes` bytes in 64 KiB chunks, no content-length. */
  function streamingJson(bytes: number, written: { bytes: number; closed: boolean }): Handler {
    return (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(`{"user":{"id":"${REFRESH_TOKEN}","pad":"`)
      const chunk = 'a'.repeat(64 * 1024)
      const pump = (): void => {
        while (written.bytes < bytes) {
          written.bytes += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end('"}}')
      }
      res.on('close', () => (written.closed = true))
      req.socket.on('close', () => (written.closed = true))
      pump()
    }
  }

  it('an auth answer over 1 MiB is INSTANT_BAD_RESPONSE, cut off without reading the rest', async () => {
    const written = { bytes: 0, closed: false }
    const { url } = await listen(streamingJson(64 * 1024 * 1024, written))
    const error = await rejection(client(url).auth.verifyToken(REFRESH_TOKEN))
    expect(error).toBeInstanceOf(InstantTransportError)
    expect(error).toMatchObject({ code: 'INSTANT_BAD_RESPONSE' })
    expect((error as Error).message).toBe(
      `Instant's answer is larger than ${MAX_AUTH_RESPONSE_BYTES} bytes (POST ${url}/runtime/auth/verify_refresh_token)`,
    )
    expect(MAX_AUTH_RESPONSE_BYTES).toBe(1024 * 1024)
    // The socket was closed long before the 64 MiB were written (socket buffers hold a few MiB).
    for (let i = 0; i < 100 && !written.closed; i++) await new Promise((r) => setTimeout(r, 20))
    expect(written.closed).toBe(true)
    expect(written.bytes).toBeLessThan(32 * 1024 * 1024)
  })

  it('a query answer over maxResponseBytes is INSTANT_BAD_RESPONSE; one under it is read', async () => {
    const body = JSON.stringify({ goals: [{ id: 'g', title: 'x'.repeat(4000) }] })
    const { url } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(body) // with content-length: refused before any of the body is read
    })
    const small = init({
      appId: APP_ID,
      adminToken: ADMIN_TOKEN,
      apiURI: url,
      maxResponseBytes: 1000,
    })
    clients.push(small)
    const error = await rejection(small.query({ goals: {} }))
    expect(error).toMatchObject({ code: 'INSTANT_BAD_RESPONSE' })
    expect((error as Error).message).toContain('larger than 1000 bytes (POST ')
    const roomy = init({
      appId: APP_ID,
      adminToken: ADMIN_TOKEN,
      apiURI: url,
      maxResponseBytes: body.length,
    })
    clients.push(roomy)
    await expect(roomy.query({ goals: {} })).resolves.toEqual(JSON.parse(body))
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(64 * 1024 * 1024)
  })

  it('validates maxResponseBytes, naming it', () => {
    for (const [bad, shown] of [
      [0, '0'],
      [-1, '-1'],
      [1.5, '1.5'],
      ['1000', 'a string'],
      [Infinity, 'Infinity'],
    ] as const) {
      expect(() =>
        init({ appId: APP_ID, apiURI: 'http://127.0.0.1:1', maxResponseBytes: bad as number }),
      ).toThrow(
        new TypeError(
          `instant-express-auth/admin init(): \`maxResponseBytes\` must be a positive whole number of bytes (default 67108864); got ${shown}.`,
        ),
      )
    }
  })
})
