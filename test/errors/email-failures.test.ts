/**
 * Email failures are reported with the provider error's code: a provider that refuses the app's
 * credentials (a wrong Resend API key) is 500 email_misconfigured with a fix-it log, not a
 * transient "try again shortly"; transient failures stay 503 email_unavailable.
 */
import { createServer, type Server } from 'node:http'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KitEvent } from '../../src/options/events.js'
import { emailFailure } from '../../src/errors/email-failure.js'
import { EmailProviderError, resendEmail } from '../../src/email/index.js'
import { magicCodeRouter } from '../../src/index.js'
import {
  FRAMEWORKS,
  close,
  createApp,
  json,
  listen,
  makeDb,
  recordingLogger,
  useLocalInstant,
  type Framework,
} from '../helpers.js'

const API_KEY = 're_live_secret_key_123'
const local = useLocalInstant()

/** A stand-in for Resend's API on loopback: answers with the status in the path. */
let resendApi: Server
let resendURI: string

beforeAll(async () => {
  resendApi = createServer((req, res) => {
    const status = Number(req.url?.split('/')[1])
    if (status === 403)
      json(res, 403, { statusCode: 403, name: 'validation_error', message: 'API key is invalid' })
    else if (status === 429) json(res, 429, { statusCode: 429, message: 'Too many requests' })
    else json(res, status, { statusCode: status, message: 'Internal server error' })
  })
  resendURI = await listen(resendApi)
})

afterAll(() => close(resendApi))

function appWith(framework: Framework, status: number) {
  const logger = recordingLogger()
  const events: KitEvent[] = []
  const app = createApp(framework)
  app.use(
    magicCodeRouter({
      db: makeDb('ours', local()),
      logger,
      onEvent: (event) => void events.push(event),
      rateLimit: false,
      sendEmail: resendEmail({
        apiKey: API_KEY,
        from: 'Acme <login@acme.test>',
        baseUrl: `${resendURI}/${status}/`,
      }),
    }),
  )
  return { app, logger, events }
}

describe.each(FRAMEWORKS)('magicCodeRouter email failures (%s)', (framework) => {
  it('a wrong Resend API key → 500 email_misconfigured, a fix-it log with the code', async () => {
    const { app, logger, events } = appWith(framework, 403)
    const res = await request(app.handler)
      .post('/custom-send-magic-code')
      .send({ email: 'someone@example.com' })
      .expect(500)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(res.body).toEqual({
      type: 'urn:instant-express-auth:error:email_misconfigured',
      title: 'Email is misconfigured',
      status: 500,
      detail: 'The code could not be sent: the email provider refused our configuration.',
      code: 'email_misconfigured',
    })
    expect(logger.lines).toEqual([
      "error: instant-express-auth: sendEmail failed (EmailProviderError EMAIL_UNAUTHORIZED) for a @example.com address: the email provider refused the app's credentials or configuration; check its API key (or SMTP login) and verified sender domain. Answering 500 email_misconfigured.",
    ])
    expect(events).toContainEqual({
      type: 'email_failed',
      emailDomain: 'example.com',
      code: 'EMAIL_UNAUTHORIZED',
      permanent: true,
    })
    expect(JSON.stringify([logger.lines, events, res.body])).not.toContain(API_KEY)
  })

  it.each([
    [503, 'EMAIL_UNAVAILABLE'],
    [429, 'EMAIL_RATE_LIMITED'],
  ])(
    'a provider answering %i → 503 email_unavailable, log and event carry %s',
    async (status, code) => {
      const { app, logger, events } = appWith(framework, status)
      const res = await request(app.handler)
        .post('/custom-send-magic-code')
        .send({ email: 'someone@example.com' })
        .expect(503)
      expect(res.body.code).toBe('email_unavailable')
      expect(logger.lines).toEqual([
        `error: instant-express-auth: sendEmail failed (EmailProviderError ${code}) for a @example.com address; answering 503 email_unavailable.`,
      ])
      expect(events).toContainEqual({
        type: 'email_failed',
        emailDomain: 'example.com',
        code,
        permanent: false,
      })
    },
  )
})

describe('emailFailure', () => {
  it('permanent: our providers’ EMAIL_UNAUTHORIZED and nodemailer’s EAUTH; never a timeout', () => {
    const unauthorized = new EmailProviderError('EMAIL_UNAUTHORIZED', 'x', { provider: 'smtp' })
    expect(unauthorized.permanent).toBe(true)
    expect(emailFailure(unauthorized, 'example.com').error.code).toBe('email_misconfigured')
    const eauth = Object.assign(new Error('Invalid login: 535'), { code: 'EAUTH' })
    expect(emailFailure(eauth, 'example.com')).toMatchObject({ code: 'EAUTH', permanent: true })
    // As smtpEmail reads it: 530 "authentication required" refused at MAIL FROM is an auth failure.
    const envelope = Object.assign(new Error('Mail command failed'), {
      code: 'EENVELOPE',
      responseCode: 530,
    })
    expect(emailFailure(envelope, 'example.com')).toMatchObject({
      code: 'EENVELOPE',
      permanent: true,
      error: { code: 'email_misconfigured' },
    })
    const mailbox = Object.assign(new Error('No such user'), {
      code: 'EENVELOPE',
      responseCode: 550,
    })
    expect(emailFailure(mailbox, 'example.com').permanent).toBe(false)
    expect(emailFailure(unauthorized, 'example.com', 100).error.code).toBe('email_unavailable')
  })

  it('transient: other codes; free text in `code` is never logged', () => {
    const rejected = new EmailProviderError('EMAIL_REJECTED', 'x', { provider: 'resend' })
    expect(rejected.permanent).toBe(false)
    expect(emailFailure(rejected, 'example.com').error.code).toBe('email_unavailable')
    const odd = Object.assign(new Error('x'), { code: 'key sk_live_1 refused' })
    const failure = emailFailure(odd, 'example.com')
    expect(failure.code).toBeUndefined()
    expect(failure.log).not.toContain('sk_live_1')
  })
})
