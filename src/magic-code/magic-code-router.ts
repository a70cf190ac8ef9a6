/**
 * `magicCodeRouter`: `POST /custom-send-magic-code` generates a code with Instant and delivers
 * it with *your* email provider; `POST /verify-magic-code` trades it for a token. Instant's
 * `generateMagicCode` has no rate limit of its own and its codes stay valid for 24 h, so the
 * router keeps its own record of the code it issued (see magic-code-records.ts): only that code
 * verifies, within `codeTtlMs`, for a few attempts, under daily ceilings per email.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { KitError, isKitError } from '../errors/kit-error.js'
import { UNAVAILABLE_RETRY_AFTER_S, type InstantOperation } from '../instant/classify-error.js'
import { emailDomain, normalizeEmail } from '../http/email-address.js'
import { emailFailure } from '../errors/email-failure.js'
import { publicUser, type InstantAuthDb } from '../instant/instant-db.js'
import { callInstant } from '../instant/instant-timeout.js'
import { magicCodeRecords } from './magic-code-records.js'
import { withTimeout } from '../options/timeout.js'
import { upstreamError } from '../instant/upstream-error.js'
import { readBody } from '../http/body.js'
import {
  isFormPost,
  nextOf,
  redirectSuccess,
  seeOther,
  withFormRedirect,
  withParams,
} from '../http/form-redirect.js'
import { checkAll, clientIp } from '../http/rate-limits.js'
import { sendJson, type Middleware } from '../http/respond.js'
import { resolveMagicCodeOptions, type MagicCodeRouterOptions } from './options.js'
import { postRoutes } from '../http/route.js'

const CODE = /^[A-Za-z0-9]{4,16}$/

/** `sendEmail` outlived `sendEmailTimeoutMs`; kept as the `cause` of the 503. */
class SendEmailTimeoutError extends Error {
  override readonly name = 'SendEmailTimeoutError'
  constructor(timeoutMs: number) {
    super(`sendEmail did not finish within ${timeoutMs} ms`)
  }
}

/**
 * Mounts `POST /custom-send-magic-code` `{ email }` → `200 { sent: true }` (same answer for known
 * and unknown emails) and `POST /verify-magic-code` `{ email, code }` → `200 { token, user, created }`.
 * With `cookie`, verify also sets the HttpOnly session cookie (and leaves `token` out of the
 * answer with `tokenInBody: false`); it must then be a same-origin JSON request (403 `csrf_rejected`).
 *
 * @example
 * ```ts
 * app.use(magicCodeRouter({
 *   db,
 *   sendEmail: ({ email, code }) => resend.emails.send({ to: email, subject: 'Your code', text: code }),
 * }))
 * ```
 */
export function magicCodeRouter(options: MagicCodeRouterOptions): Middleware {
  const config = resolveMagicCodeOptions(options)
  const { db, logger, onEvent, timeoutMs, failure, sendEmail, sendEmailTimeoutMs } = config
  const { bodyLimit, store, codeKeys, cookieSession, tokenInBody, codeTtlMs, daily } = config
  const { redirect } = config
  const { sendsPerIp, resendCooldown, sendsPerEmail } = config.limiters
  const { verifyPerIp, verifyPerEmail, verifyPerClient } = config.limiters
  const records = magicCodeRecords(
    store,
    {
      ttlMs: codeTtlMs,
      attemptsPerCode: config.codeAttempts,
      dailySendsPerEmail: daily.sendsPerEmail,
      dailyAttemptsPerEmail: daily.attemptsPerEmail,
      dailyAttemptsPerClient: daily.attemptsPerClient,
    },
    codeKeys,
  )
  const upstream = (error: unknown, operation: InstantOperation): KitError =>
    upstreamError(error, operation, { logger, onEvent, db })

  /** A store that fails (a shared store's outage) answers like Instant's: 503, logged by name. */
  async function stored<T>(call: Promise<T>): Promise<T> {
    try {
      return await call
    } catch (error) {
      // The Redis store has answered auth_unavailable and logged it (once a minute).
      if (isKitError(error) && error.code === 'auth_unavailable') throw error
      logger.error(
        `instant-express-auth: the state store failed (${error instanceof Error ? error.name : typeof error}); answering 503 auth_unavailable.`,
      )
      throw new KitError('auth_unavailable', {
        cause: error,
        headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) },
      })
    }
  }

  function overDailyLimit(limiter: string, email: string, resetAt: number): KitError {
    onEvent?.({ type: 'rate_limited', limiter, emailDomain: emailDomain(email) })
    const seconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000))
    return new KitError('rate_limited', { headers: { 'Retry-After': String(seconds) } })
  }

  async function emailFrom(
    req: IncomingMessage,
  ): Promise<{ body: Record<string, unknown>; email: string }> {
    const body = await readBody(req, bodyLimit, cookieSession)
    const email = normalizeEmail(body['email'])
    if (email === undefined)
      throw new KitError('invalid_request', { detail: 'A valid `email` is required.' })
    return { body, email }
  }

  async function send(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { email } = await emailFrom(req)
    await checkAll(req, res, [
      [sendsPerIp, { ip: true }],
      [resendCooldown, { email }],
      [sendsPerEmail, { email }],
    ])
    const reservation = await stored(records.reserveSend(email))
    if (!reservation.allowed) throw overDailyLimit('code-sends-day', email, reservation.resetAt)
    let code: string
    try {
      code = (
        await callInstant(db, 'generateMagicCode', timeoutMs, (call) =>
          db.auth.generateMagicCode(email, call),
        )
      )?.code
    } catch (error) {
      throw upstream(error, 'generateMagicCode')
    }
    if (typeof code !== 'string' || code === '') {
      // A 200 without a code (a proxy, a stub) must not "send" nothing and answer sent: true.
      throw upstream(new SyntaxError('generateMagicCode returned no code'), 'generateMagicCode')
    }
    // Recorded before delivery: from now on this is the only code of the email that verifies.
    await stored(records.issue(email, code))
    try {
      await withTimeout(
        sendEmail({ email, code, expiresInMs: codeTtlMs }),
        sendEmailTimeoutMs,
        () => new SendEmailTimeoutError(sendEmailTimeoutMs),
      )
    } catch (error) {
      const domain = emailDomain(email)
      const timedOut = error instanceof SendEmailTimeoutError ? sendEmailTimeoutMs : undefined
      const failure = emailFailure(error, domain, timedOut)
      logger.error(failure.log)
      onEvent?.({
        type: 'email_failed',
        emailDomain: domain,
        code: failure.code,
        permanent: failure.permanent,
      })
      throw failure.error
    }
    onEvent?.({ type: 'code_sent', emailDomain: emailDomain(email) })
    if (redirect !== undefined && isFormPost(req))
      seeOther(res, withParams(redirect.sent, { email, ...nextOf(req) }))
    else sendJson(res, 200, { sent: true })
  }

  async function verify(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Login CSRF: a cross-site page must not sign the browser in to an account of its choosing.
    const forged = cookieSession?.checkSetter(req)
    if (forged !== undefined) throw forged
    const { body, email } = await emailFrom(req)
    const rawCode = body['code']
    const code =
      typeof rawCode === 'string'
        ? rawCode.trim()
        : typeof rawCode === 'number'
          ? String(rawCode)
          : undefined
    if (code === undefined || !CODE.test(code))
      throw new KitError('invalid_request', { detail: 'A `code` is required.' })
    await checkAll(req, res, [
      [verifyPerIp, { ip: true }],
      [verifyPerClient, { email, ip: true }],
      [verifyPerEmail, { email }],
    ])
    // Checked against the kit's record first: a wrong, old, expired or burned code never
    // reaches Instant, and the right one is consumed here before Instant is asked.
    const check = await stored(records.check(email, clientIp(req), code))
    if (check.outcome === 'limited') throw overDailyLimit('code-attempts-day', email, check.resetAt)
    if (check.outcome === 'rejected') {
      onEvent?.({ type: 'code_rejected', emailDomain: emailDomain(email) })
      throw new KitError('invalid_code')
    }
    let result: Awaited<ReturnType<InstantAuthDb['auth']['checkMagicCode']>>
    try {
      result = await callInstant(db, 'checkMagicCode', timeoutMs, (call) =>
        db.auth.checkMagicCode(email, code, undefined, call),
      )
    } catch (error) {
      const kitError = upstream(error, 'checkMagicCode')
      if (kitError.code === 'invalid_code')
        onEvent?.({ type: 'code_rejected', emailDomain: emailDomain(email) })
      // Anything but a refused code (an outage, a misconfiguration, Instant's own rate limit)
      // left the code unused at Instant, so the user may try it again.
      else await stored(records.restore(check))
      throw kitError
    }
    const token = result?.user?.refresh_token
    if (typeof token !== 'string' || typeof result.user.id !== 'string') {
      await stored(records.restore(check))
      throw upstream(new SyntaxError('checkMagicCode returned no user token'), 'checkMagicCode')
    }
    const user = publicUser(result.user)
    onEvent?.({ type: 'code_verified', userId: user.id, created: result.created === true })
    cookieSession?.set(req, res, token)
    const created = result.created === true
    if (redirect !== undefined && isFormPost(req)) redirectSuccess(res, redirect, body)
    else sendJson(res, 200, tokenInBody ? { token, user, created } : { user, created })
  }

  /** A refused form lands back on the login page with its address, to show the right step. */
  const formFields = (req: IncomingMessage): Record<string, string> => {
    const email = normalizeEmail((req as { body?: Record<string, unknown> }).body?.['email'])
    return email === undefined ? {} : { email }
  }
  return postRoutes(
    'magicCode',
    [
      [config.path, withFormRedirect(redirect, failure, send, formFields)],
      [config.verifyPath, withFormRedirect(redirect, failure, verify, formFields)],
    ],
    failure,
  )
}
