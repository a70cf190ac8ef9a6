import { connect } from 'node:net'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startLocalInstant, type LocalInstant } from 'instant-express-auth/local'
import { captureLogger, CREATED_AT_RE, recordNotFound, UUID_RE } from './helpers.js'

const log = captureLogger()
let local: LocalInstant
const ORIGIN = 'http://localhost:3000'

beforeAll(async () => {
  local = await startLocalInstant({ logger: log, maxBodyBytes: 64 * 1024 })
})
afterAll(async () => {
  await local.close()
})

/** Exactly what @instantdb/core's authAPI.ts sends (jsonFetch: POST, content-type json, JSON body). */
async function runtime(path: string, body: unknown) {
  const res = await fetch(`${local.apiURI}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}

async function raw(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  const res = await request(`${local.apiURI}${path}`, { method: method as 'POST', body, headers })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

describe('runtime auth routes, as the browser client calls them', () => {
  it('send → verify → verify_refresh_token → signout', async () => {
    const sent = await runtime('/runtime/auth/send_magic_code', {
      'app-id': local.appId,
      email: 'Browser@Example.com',
    })
    expect(sent.status).toBe(200)
    expect(sent.body).toEqual({ sent: true })
    expect(sent.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    const code = local.mailbox.lastCodeFor('browser@example.com') as string
    expect(code).toMatch(/^\d{6}$/)

    const verified = await runtime('/runtime/auth/verify_magic_code', {
      'app-id': local.appId,
      email: 'browser@example.com',
      code,
    })
    expect(verified.status).toBe(200)
    expect(verified.body).toEqual({
      user: {
        app_id: local.appId,
        id: expect.stringMatching(UUID_RE),
        email: 'browser@example.com',
        type: 'user',
        created_at: expect.stringMatching(CREATED_AT_RE),
        isGuest: false,
        refresh_token: expect.stringMatching(UUID_RE),
      },
      created: true,
    })
    const token = verified.body.user.refresh_token

    const me = await runtime('/runtime/auth/verify_refresh_token', {
      'app-id': local.appId,
      'refresh-token': token,
    })
    expect(me).toMatchObject({ status: 200, body: { user: { ...verified.body.user } } })

    const out = await runtime('/runtime/signout', { app_id: local.appId, refresh_token: token })
    expect(out.status).toBe(200)
    expect(out.body).toEqual({})
    const after = await runtime('/runtime/auth/verify_refresh_token', {
      'app-id': local.appId,
      'refresh-token': token,
    })
    expect(after.status).toBe(400)
    expect(after.body.type).toBe('record-not-found')
  })

  it('sign_in_guest returns a guest with a refresh token', async () => {
    const res = await runtime('/runtime/auth/sign_in_guest', { 'app-id': local.appId })
    expect(res.status).toBe(200)
    expect(res.body.user).toEqual({
      app_id: local.appId,
      id: expect.stringMatching(UUID_RE),
      type: 'guest',
      created_at: expect.stringMatching(CREATED_AT_RE),
      isGuest: true,
      refresh_token: expect.stringMatching(UUID_RE),
    })
  })

  it('missing and malformed parameters', async () => {
    expect(
      await runtime('/runtime/auth/verify_refresh_token', { 'app-id': local.appId }),
    ).toMatchObject({
      status: 400,
      body: {
        type: 'param-missing',
        message: 'Missing parameter: ["body" "refresh-token"]',
        hint: { in: ['body', 'refresh-token'] },
      },
    })
    expect(
      (await runtime('/runtime/auth/send_magic_code', { email: 'a@example.com' })).body,
    ).toEqual({
      type: 'param-missing',
      message: 'Missing parameter: ["body" "app-id"]',
      hint: { in: ['body', 'app-id'] },
    })
    expect(
      (await runtime('/runtime/auth/send_magic_code', { 'app-id': local.appId, email: 42 })).body,
    ).toEqual({
      type: 'param-malformed',
      message: 'Malformed parameter: ["body" "email"]',
      hint: { in: ['body', 'email'], 'original-input': 42 },
    })
    expect(
      (await runtime('/runtime/signout', { app_id: 'x', refresh_token: 'y' })).body.hint,
    ).toEqual({
      in: ['body', 'app_id'],
      'original-input': 'x',
    })
  })

  it('an unknown app id: send is record-not-found app; verify finds no token', async () => {
    const other = '99999999-9999-4999-8999-999999999999'
    expect(
      await runtime('/runtime/auth/send_magic_code', { 'app-id': other, email: 'a@example.com' }),
    ).toMatchObject({
      status: 400,
      body: {
        type: 'record-not-found',
        message: 'Record not found: app',
        hint: { 'record-type': 'app', args: [{ id: other }] },
      },
    })
    const token = (await runtime('/runtime/auth/sign_in_guest', { 'app-id': local.appId })).body
      .user.refresh_token
    const res = await runtime('/runtime/auth/verify_refresh_token', {
      'app-id': other,
      'refresh-token': token,
    })
    expect(res.status).toBe(400)
    expect(res.body.hint).toEqual({
      'record-type': 'app-user',
      args: [{ 'app-id': other, 'refresh-token': token }],
    })
  })

  it('answers CORS preflight for the runtime routes', async () => {
    const res = await raw('OPTIONS', '/runtime/auth/verify_magic_code', undefined, {
      origin: ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN)
    expect(res.headers['access-control-allow-methods']).toBe('GET, PUT, POST, DELETE')
    expect(res.headers['access-control-allow-headers']).toBe('content-type')
    expect(res.headers['access-control-max-age']).toBe('600')
  })
})

describe('bad input never takes the server down', () => {
  const alive = async () => {
    const res = await raw(
      'POST',
      '/runtime/auth/sign_in_guest',
      JSON.stringify({ 'app-id': local.appId }),
    )
    expect(res.status).toBe(200)
  }

  it('malformed JSON is a 400 JSON error', async () => {
    const res = await raw('POST', '/runtime/auth/send_magic_code', '{"app-id": ', {
      'content-type': 'application/json',
    })
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(res.text)).toEqual({
      type: 'param-malformed',
      message: 'Malformed JSON in request body.',
      hint: { in: ['body'] },
    })
    await alive()
  })

  it('a body that is not an object reads as no parameters', async () => {
    const res = await raw('POST', '/runtime/auth/sign_in_guest', '[1,2]')
    expect(res.status).toBe(400)
    expect(JSON.parse(res.text).type).toBe('param-missing')
    await alive()
  })

  it('a huge body is 413, whether declared or streamed', async () => {
    const big = JSON.stringify({ 'app-id': local.appId, pad: 'x'.repeat(100 * 1024) })
    const declared = await raw('POST', '/runtime/auth/sign_in_guest', big)
    expect(declared.status).toBe(413)
    expect(JSON.parse(declared.text)).toEqual({
      type: 'payload-too-large',
      message: 'Request body is larger than 65536 bytes.',
      hint: { 'max-bytes': 65536 },
    })
    await alive()

    // Chunked, no content-length: the limit applies while reading.
    const streamed = await request(`${local.apiURI}/runtime/auth/sign_in_guest`, {
      method: 'POST',
      body: Readable.from(
        (function* () {
          for (let i = 0; i < 20; i++) yield Buffer.alloc(8 * 1024, 32)
        })(),
      ),
    })
    expect(streamed.statusCode).toBe(413)
    expect(await streamed.body.json()).toEqual(
      expect.objectContaining({ type: 'payload-too-large' }),
    )
    await alive()
  })

  it('unknown routes are 404 JSON', async () => {
    const res = await raw('GET', '/nope')
    expect(res.status).toBe(404)
    expect(JSON.parse(res.text)).toEqual({ message: "Oops! We couldn't match this route." })
    expect((await raw('PUT', '/admin/users')).status).toBe(404)
    await alive()
  })

  it('an HTTP/1.1 connection is kept alive across requests', async () => {
    const socket = connect(Number(new URL(local.apiURI).port), '127.0.0.1')
    const body = JSON.stringify({ 'app-id': local.appId })
    const req = `POST /runtime/auth/sign_in_guest HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`
    let received = ''
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject)
      socket.on('data', (d) => {
        received += d.toString()
        if ((received.match(/HTTP\/1\.1 200 OK/g) ?? []).length === 2 && received.endsWith('}'))
          resolve()
      })
      socket.write(req + req)
    })
    socket.destroy()
    expect(received).toMatch(/connection: keep-alive/i)
  })

  it('logged nothing unexpected', () => {
    expect(log.lines.filter((l) => l.includes('unexpected'))).toEqual([])
  })
})

describe('/admin/query and /admin/transact: caller resolution before the data engine', () => {
  const q = JSON.stringify({ query: { goals: {} } })

  it('missing or malformed query/steps', async () => {
    const h = { 'app-id': local.appId, authorization: `Bearer ${local.adminToken}` }
    expect(JSON.parse((await raw('POST', '/admin/query', '{}', h)).text)).toEqual({
      type: 'param-missing',
      message: 'Missing parameter: ["body" "query"]',
      hint: { in: ['body', 'query'] },
    })
    expect(JSON.parse((await raw('POST', '/admin/query', '{"query":"x"}', h)).text).type).toBe(
      'param-malformed',
    )
    expect(JSON.parse((await raw('POST', '/admin/transact', '{}', h)).text).hint).toEqual({
      in: ['body', 'steps'],
    })
  })

  it('as-token must be a UUID and known; the admin token is not needed', async () => {
    const bad = await raw('POST', '/admin/query', q, { 'app-id': local.appId, 'as-token': 'nope' })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.text)).toEqual({
      type: 'param-malformed',
      message: 'Malformed parameter: ["asUser" "token"]',
      hint: { in: ['asUser', 'token'], 'original-input': 'nope' },
    })
    const unknown = '21212121-2121-4121-8121-212121212121'
    const res = await raw('POST', `/admin/transact?app_id=${local.appId}`, '{"steps":[]}', {
      'as-token': unknown,
    })
    expect(JSON.parse(res.text)).toEqual(
      recordNotFound('app-user', { 'app-id': local.appId, 'refresh-token': unknown }),
    )
  })

  it('as-email needs the admin token; admin needs app id and token', async () => {
    const noToken = await raw('POST', '/admin/query', q, {
      'app-id': local.appId,
      'as-email': 'a@example.com',
    })
    expect(JSON.parse(noToken.text)).toEqual({
      type: 'param-missing',
      message: 'Missing parameter: ["headers" "authorization"]',
      hint: { in: ['headers', 'authorization'] },
    })
    const unknownEmail = await raw('POST', '/admin/query', q, {
      'app-id': local.appId,
      authorization: `Bearer ${local.adminToken}`,
      'as-email': 'Nobody@example.com',
    })
    expect(JSON.parse(unknownEmail.text).hint).toEqual({
      'record-type': 'app-user',
      args: [{ 'app-id': local.appId, email: 'Nobody@example.com' }],
    })
    const noApp = await raw('POST', '/admin/query', q, {
      authorization: `Bearer ${local.adminToken}`,
    })
    expect(JSON.parse(noApp.text)).toEqual({
      type: 'param-missing',
      message: 'Missing parameter: ["headers" "app-id"]',
      hint: { in: ['headers', 'app-id'], 'possible-ins': [['query-params', 'app_id']] },
    })
  })
})
