import { describe, expect, it } from 'vitest'
import {
  apiErrorShape,
  classifyInstantError,
  outageCode,
  type InstantOperation,
} from '../../src/instant/classify-error.js'
import { InstantTimeoutError } from '../../src/instant/instant-timeout.js'
import { KitError } from '../../src/errors/kit-error.js'

const ADMIN_TOKEN = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'

/** The shape both our client and @instantdb/admin throw for non-200 answers. */
function apiError(status: number, body: Record<string, unknown>): Error {
  const error = new Error(String(body['message'] ?? `API Error (${status})`))
  Object.assign(error, { name: 'InstantAPIError', status, body, hint: body['hint'] })
  return error
}

function classify(error: unknown, op: InstantOperation = 'verifyToken') {
  const { error: kit, log } = classifyInstantError(error, op)
  return { code: kit.code, status: kit.status, headers: kit.headers, log }
}

const unknownToken = apiError(400, {
  type: 'record-not-found',
  message: 'Record not found: app-user',
  hint: { 'record-type': 'app-user', args: [{ 'refresh-token': 'x' }] },
})
const malformedToken = apiError(400, {
  type: 'param-malformed',
  message: 'Malformed parameter: ["body" "refresh-token"]',
  hint: { in: ['body', 'refresh-token'], 'original-input': 'garbage' },
})
const wrongAdminToken = apiError(400, {
  type: 'record-not-found',
  message: 'Record not found: app-admin-token',
  hint: { 'record-type': 'app-admin-token', args: [{ token: ADMIN_TOKEN }] },
})

describe('classifyInstantError', () => {
  it('unknown or malformed token → 401 invalid_token with WWW-Authenticate', () => {
    for (const error of [unknownToken, malformedToken]) {
      expect(classify(error)).toEqual({
        code: 'invalid_token',
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer realm="instant", error="invalid_token"' },
        log: undefined,
      })
    }
  })

  it('Instant 429 → 429 rate_limited with Retry-After', () => {
    expect(classify(apiError(429, { type: 'rate-limited', message: 'Too many' }))).toEqual({
      code: 'rate_limited',
      status: 429,
      headers: { 'Retry-After': '60' },
      log: undefined,
    })
  })

  it('outages → 503 auth_unavailable with Retry-After, never 401', () => {
    const transport = Object.assign(new Error('connect ECONNREFUSED'), {
      name: 'InstantTransportError',
      code: 'INSTANT_UNREACHABLE',
    })
    const fetchFailed = new TypeError('fetch failed', {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    })
    const garbage = new SyntaxError('Unexpected token < in JSON')
    const serverError = apiError(500, { type: 'unknown', message: 'Something went wrong' })
    const badGateway = apiError(502, { message: '<html>' })
    for (const error of [transport, fetchFailed, garbage, serverError, badGateway]) {
      const result = classify(error)
      expect(result.code).toBe('auth_unavailable')
      expect(result.status).toBe(503)
      expect(result.headers).toEqual({ 'Retry-After': '5' })
    }
  })

  it('wrong admin token → 500 instant_misconfigured with a fix-it log and no secret', () => {
    const result = classify(wrongAdminToken, 'createToken')
    expect(result.code).toBe('instant_misconfigured')
    expect(result.status).toBe(500)
    expect(result.log).toContain('INSTANT_APP_ID')
    expect(result.log).toContain('INSTANT_APP_ADMIN_TOKEN')
    expect(result.log).toContain('INSTANT_API_URI')
    expect(result.log).not.toContain(ADMIN_TOKEN)
  })

  it('app-id problems and a 404 from a non-Instant server → instant_misconfigured', () => {
    const missingAppId = apiError(400, {
      type: 'param-missing',
      hint: { in: ['headers', 'app-id'] },
    })
    const malformedAuth = apiError(400, {
      type: 'param-malformed',
      hint: { in: ['headers', 'authorization'] },
    })
    const noRoute = apiError(404, { type: undefined, message: 'Not Found' })
    const app = apiError(400, { type: 'record-not-found', hint: { 'record-type': 'app' } })
    for (const error of [missingAppId, malformedAuth, noRoute, app]) {
      expect(classify(error).code).toBe('instant_misconfigured')
    }
    const noAdminToken = Object.assign(new Error('Admin token required.'), {
      code: 'INSTANT_ADMIN_TOKEN_REQUIRED',
    })
    expect(classify(noAdminToken, 'createToken').code).toBe('instant_misconfigured')
    // Recognised by code, never by message text: the same words without the code are no proof.
    expect(classify(new Error('Admin token required.'), 'createToken').code).toBe(
      'auth_unavailable',
    )
  })

  it('magic codes: wrong or expired → 401 invalid_code', () => {
    const wrong = apiError(400, {
      type: 'record-not-found',
      hint: { 'record-type': 'app-user-magic-code' },
    })
    const expired = apiError(400, {
      type: 'record-expired',
      hint: { 'record-type': 'app-user-magic-code' },
    })
    expect(classify(wrong, 'checkMagicCode')).toMatchObject({ code: 'invalid_code', status: 401 })
    expect(classify(expired, 'checkMagicCode')).toMatchObject({ code: 'invalid_code', status: 401 })
  })

  it('passes KitErrors through unchanged', () => {
    const original = new KitError('email_unavailable')
    expect(classifyInstantError(original, 'generateMagicCode').error).toBe(original)
  })

  it('keeps the cause', () => {
    expect(classifyInstantError(unknownToken, 'verifyToken').error.cause).toBe(unknownToken)
  })

  it('an unexpected 400 type → 503 with a log line naming only the type', () => {
    const odd = apiError(400, { type: 'app-disabled', message: `token ${ADMIN_TOKEN}` })
    const result = classify(odd)
    expect(result.code).toBe('auth_unavailable')
    expect(result.log).toBe(
      'instant-express-auth: Instant answered 400 app-disabled to verifyToken; answering 503 auth_unavailable.',
    )
  })
})

describe('outages are recognised by brand or code, never by message', () => {
  it('names the failure with a secret-free code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    })
    const ours = Object.assign(new Error('Instant is unreachable (POST http://x/y)'), {
      code: 'INSTANT_UNREACHABLE',
      cause: refused,
    })
    const tls = new TypeError('fetch failed', {
      cause: Object.assign(new Error('wrong version number'), {
        code: 'ERR_SSL_WRONG_VERSION_NUMBER',
      }),
    })
    const aggregate = new TypeError('fetch failed', {
      cause: Object.assign(new AggregateError([refused], 'x'), { code: 'ECONNREFUSED' }),
    })
    expect(outageCode(ours)).toBe('INSTANT_UNREACHABLE: ECONNREFUSED')
    expect(outageCode(tls)).toBe('ERR_SSL_WRONG_VERSION_NUMBER')
    expect(outageCode(aggregate)).toBe('ECONNREFUSED')
    expect(outageCode(new InstantTimeoutError('verifyToken', 5))).toBe('INSTANT_TIMEOUT')
    expect(outageCode(new SyntaxError('Unexpected token <'))).toBe('INVALID_JSON')
    expect(classifyInstantError(tls, 'verifyToken').outage).toBe('ERR_SSL_WRONG_VERSION_NUMBER')
  })

  it('an unrelated E-code or a message that merely mentions a network error is no outage', () => {
    expect(outageCode(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBeUndefined()
    expect(outageCode(new TypeError('fetch failed'))).toBeUndefined()
    expect(outageCode(new Error('connect ECONNREFUSED'))).toBeUndefined()
    // Still a 503 (not the user's fault), but with a log line saying it was unexpected.
    const { error, log } = classifyInstantError(
      Object.assign(new Error('x'), { code: 'ENOENT' }),
      'verifyToken',
    )
    expect(error.code).toBe('auth_unavailable')
    expect(log).toBe(
      'instant-express-auth: unexpected Error from db.auth.verifyToken; answering 503 auth_unavailable.',
    )
  })

  it('an error named InstantAPIError without status and body is not an API error', () => {
    const impostor = Object.assign(new Error('nope'), { name: 'InstantAPIError' })
    expect(apiErrorShape(impostor)).toBeUndefined()
  })
})
