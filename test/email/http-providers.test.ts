import { inspect } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  postmarkEmail,
  resendEmail,
  sendgridEmail,
  type EmailProvider,
} from '../../src/email/index.js'
import { startLoopbackServer } from './loopback-server.js'
import { rejection } from './rejection.js'

const API_KEY = 're_SECRET_api_key_0123456789'
const CODE = '918273'
const TO = 'ada@example.com'

let server: Awaited<ReturnType<typeof startLoopbackServer>>
beforeAll(async () => {
  server = await startLoopbackServer()
})
afterAll(async () => {
  await server.close()
})
beforeEach(() => {
  server.requests.length = 0
})

interface Case {
  name: string
  okStatus: number
  make: (baseUrl: string, timeoutMs?: number) => EmailProvider
  path: string
  authHeader: [string, string]
  expectBody: (body: any, subject: string) => void
}

const cases: Case[] = [
  {
    name: 'resend',
    okStatus: 200,
    make: (baseUrl, timeoutMs) =>
      resendEmail({ apiKey: API_KEY, from: 'Acme <login@acme.test>', baseUrl, timeoutMs }),
    path: '/emails',
    authHeader: ['authorization', `Bearer ${API_KEY}`],
    expectBody: (body, subject) => {
      expect(Object.keys(body).sort()).toEqual(['from', 'html', 'subject', 'text', 'to'])
      expect(body.from).toBe('Acme <login@acme.test>')
      expect(body.to).toEqual([TO])
      expect(body.subject).toBe(subject)
      expect(body.text).toContain(CODE)
      expect(body.html).toContain(CODE)
    },
  },
  {
    name: 'postmark',
    okStatus: 200,
    make: (baseUrl, timeoutMs) =>
      postmarkEmail({ serverToken: API_KEY, from: 'login@acme.test', baseUrl, timeoutMs }),
    path: '/email',
    authHeader: ['x-postmark-server-token', API_KEY],
    expectBody: (body, subject) => {
      expect(Object.keys(body).sort()).toEqual([
        'From',
        'HtmlBody',
        'MessageStream',
        'Subject',
        'TextBody',
        'To',
      ])
      expect(body.From).toBe('login@acme.test')
      expect(body.To).toBe(TO)
      expect(body.Subject).toBe(subject)
      expect(body.TextBody).toContain(CODE)
      expect(body.HtmlBody).toContain(CODE)
      expect(body.MessageStream).toBe('outbound')
    },
  },
  {
    name: 'sendgrid',
    okStatus: 202,
    make: (baseUrl, timeoutMs) =>
      sendgridEmail({ apiKey: API_KEY, from: 'Acme <login@acme.test>', baseUrl, timeoutMs }),
    path: '/v3/mail/send',
    authHeader: ['authorization', `Bearer ${API_KEY}`],
    expectBody: (body, subject) => {
      expect(body.personalizations).toEqual([{ to: [{ email: TO }] }])
      expect(body.from).toEqual({ email: 'login@acme.test', name: 'Acme' })
      expect(body.subject).toBe(subject)
      expect(body.content).toHaveLength(2)
      expect(body.content[0].type).toBe('text/plain')
      expect(body.content[0].value).toContain(CODE)
      expect(body.content[1].type).toBe('text/html')
      expect(body.content[1].value).toContain(CODE)
    },
  },
]

/** Neither the API key nor the code may show up anywhere in the error, however deep. */
function expectNoSecrets(err: unknown) {
  const text = inspect(err, { depth: Infinity, showHidden: true })
  expect(text).not.toContain(API_KEY)
  expect(text).not.toContain(CODE)
}

describe.each(cases)('$name', ({ name, okStatus, make, path, authHeader, expectBody }) => {
  it('POSTs the documented JSON to the documented path with the auth header', async () => {
    server.answer({ status: okStatus, body: { id: 'msg_1' } })
    await make(server.baseUrl)({ email: TO, code: CODE })
    expect(server.requests).toHaveLength(1)
    const [request] = server.requests
    expect(request?.method).toBe('POST')
    expect(request?.url).toBe(path)
    expect(request?.headers[authHeader[0]]).toBe(authHeader[1])
    expect(request?.headers['content-type']).toBe('application/json')
    expectBody(JSON.parse(request?.body ?? ''), 'Your sign-in code for your app')
  })

  it('sends a full message as given', async () => {
    server.answer({ status: okStatus })
    await make(server.baseUrl)({
      to: TO,
      subject: 'Custom subject',
      text: `code ${CODE}`,
      html: `<b>${CODE}</b>`,
    })
    expectBody(JSON.parse(server.requests[0]?.body ?? ''), 'Custom subject')
  })

  it('keeps a base URL path prefix', async () => {
    server.answer({ status: okStatus })
    await make(`${server.baseUrl}/proxy/`)({ email: TO, code: CODE })
    expect(server.requests[0]?.url).toBe(`/proxy${path}`)
  })

  it.each([
    [401, 'EMAIL_UNAUTHORIZED'],
    [403, 'EMAIL_UNAUTHORIZED'],
    [422, 'EMAIL_REJECTED'],
    [429, 'EMAIL_RATE_LIMITED'],
    [500, 'EMAIL_UNAVAILABLE'],
    [503, 'EMAIL_UNAVAILABLE'],
  ] as const)('maps HTTP %i to %s, without secrets', async (status, code) => {
    // The provider echoes the key and the code back: neither may reach the error.
    server.answer({
      status,
      body: { message: `bad key ${API_KEY} for code ${CODE}`, Message: 'x' },
      headers: status === 429 ? { 'retry-after': '30' } : {},
    })
    const err = await rejection(make(server.baseUrl)({ email: TO, code: CODE }))
    expect(err.code).toBe(code)
    expect(err.provider).toBe(name)
    expect(err.status).toBe(status)
    expect(err.detail).toBe('bad key [redacted] for code [redacted]')
    expect(err.message).toMatch(new RegExp(`\\(HTTP ${status}\\): bad key \\[redacted\\]`))
    expect(err.retryAfterSeconds).toBe(status === 429 ? 30 : undefined)
    expectNoSecrets(err)
  })

  it('times out with EMAIL_TIMEOUT when the provider never answers', async () => {
    server.answer({ status: 200, hang: true })
    const err = await rejection(make(server.baseUrl, 150)({ email: TO, code: CODE }))
    expect(err.code).toBe('EMAIL_TIMEOUT')
    expect(err.provider).toBe(name)
    expect(err.message).toMatch(/did not answer within 150 ms$/)
    expect((err.cause as Error).name).toBe('TimeoutError')
    expectNoSecrets(err)
  })

  it('maps a refused connection to EMAIL_UNAVAILABLE, keeping the cause', async () => {
    const closed = await startLoopbackServer()
    await closed.close()
    const err = await rejection(make(closed.baseUrl)({ email: TO, code: CODE }))
    expect(err.code).toBe('EMAIL_UNAVAILABLE')
    expect(err.message).toMatch(/could not be reached$/)
    expect(err.cause).toBeInstanceOf(Error)
    expect(inspect(err, { depth: Infinity })).toMatch(/ECONNREFUSED/)
    expectNoSecrets(err)
  })
})

describe('HTTP provider options', () => {
  it('are validated at creation with a TypeError naming the option', () => {
    expect(() => resendEmail({ from: 'a@b.c' } as never)).toThrow(
      new TypeError('resendEmail(): `apiKey` must be a non-empty string; got undefined.'),
    )
    expect(() => postmarkEmail({ serverToken: 'k' } as never)).toThrow(
      new TypeError('postmarkEmail(): `from` must be a non-empty string; got undefined.'),
    )
    expect(() => sendgridEmail(undefined as never)).toThrow(
      new TypeError('sendgridEmail(): `options` must be an object; got undefined.'),
    )
    expect(() => resendEmail({ apiKey: 'k', from: 'a@b.c', timeoutMs: 0 })).toThrow(
      new TypeError(
        'resendEmail(): `timeoutMs` must be a positive whole number of milliseconds up to 2147483647 (default 10000); got 0.',
      ),
    )
    expect(() =>
      postmarkEmail({ serverToken: 'k', from: 'a@b.c', baseUrl: 'http://api.example.com' }),
    ).toThrow(
      new TypeError(
        'postmarkEmail(): `baseUrl` must use https: (plain http: is only allowed to localhost); got http:.',
      ),
    )
    expect(() => sendgridEmail({ apiKey: 'k', from: 'a@b.c', baseUrl: 'not a url' })).toThrow(
      new TypeError(
        'sendgridEmail(): `baseUrl` must be an absolute URL like https://api.example.com; got a string.',
      ),
    )
    expect(() => resendEmail({ apiKey: 'k', from: 'a@b.c', dispatcher: {} as never })).toThrow(
      new TypeError(
        'resendEmail(): `dispatcher` must be an undici Dispatcher (Agent, Pool, MockAgent); got an object.',
      ),
    )
    expect(() => postmarkEmail({ serverToken: 'k', from: 'a@b.c', messageStream: '' })).toThrow(
      new TypeError('postmarkEmail(): `messageStream` must be a non-empty string; got a string.'),
    )
  })

  it('do not mutate the caller’s options', () => {
    const options = Object.freeze({ apiKey: 'k', from: 'a@b.c' })
    expect(() => resendEmail(options)).not.toThrow()
    expect(options).toEqual({ apiKey: 'k', from: 'a@b.c' })
  })
})
