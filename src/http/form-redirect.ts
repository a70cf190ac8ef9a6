/**
 * HTML forms without JavaScript: a router given `redirect: { success, failure }` answers a form
 * post (`application/x-www-form-urlencoded`) with a 303 to a page instead of JSON, as Passport's
 * `successRedirect` / `failureRedirect` do, and `requireInstantUser({ redirectTo })` sends a page
 * navigation without a session to the login page with `?next=<the page>`. JSON requests to the
 * same routes are answered as before.
 *
 * A form post carries no header token, so the session lives in the cookie: `redirect` needs
 * `cookie`, and every form post is checked like a cookie-setting request (same-origin, else
 * 403 `csrf_rejected`, which is answered as a problem, not a redirect). A success goes to the
 * form's `next` field when it is a path of this site (`/notes?x=1`; never `//host`, a scheme or
 * a backslash), else to `success`; a failure goes to `failure` with `?error=<code>`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { KitError } from '../errors/kit-error.js'
import { optionError } from '../options/option-error.js'
import type { CookieSession } from './cookie.js'
import { toKitError, type Failure } from './respond.js'

/** `redirect` of the routers: where a form post lands. */
export interface FormRedirectOptions {
  /** Where a successful form post goes, unless the form's `next` field names a page of this site. */
  success: string
  /** Where a refused form post goes, with `?error=<code>` (the kit's error code) appended. */
  failure: string
}

/** `magicCodeRouter`'s `redirect`: also where a sent code lands (the page asking for it). */
export interface MagicCodeRedirectOptions extends FormRedirectOptions {
  /**
   * Where a form post that sent a code goes, with `?email=<the address>` appended so the page
   * can carry it in the code form. Default: `failure` (the login page) with `?email=…`.
   */
  sent?: string
}

/** A resolved `redirect`. */
export interface FormRedirect {
  readonly success: string
  readonly failure: string
  readonly sent: string
}

const FORM_MEDIA = 'application/x-www-form-urlencoded'
/** Longest `next` followed; a longer one falls back to `success`. */
const MAX_NEXT_LENGTH = 2048
/** Any base works: only its origin is compared, never sent anywhere. */
const SITE = 'http://site.invalid'

/** True when the request body is an HTML form's (`application/x-www-form-urlencoded`). */
export function isFormPost(req: IncomingMessage): boolean {
  const type = req.headers['content-type']
  return typeof type === 'string' && type.split(';', 1)[0]!.trim().toLowerCase() === FORM_MEDIA
}

/** The keys `redirect` accepts (nested in a router's option keys). */
export const FORM_REDIRECT_OPTIONS = { success: true, failure: true } as const
/** The keys of `magicCodeRouter`'s `redirect`. */
export const MAGIC_CODE_REDIRECT_OPTIONS = { ...FORM_REDIRECT_OPTIONS, sent: true } as const

/**
 * Validates `redirect` once (its keys are checked with the router's). Each target is a path of this site (`/login`) or an absolute
 * http(s) URL; `cookie` must be set, since a redirect carries no token.
 */
export function resolveFormRedirect(
  value: unknown,
  cookieSession: CookieSession | undefined,
  factory: string,
  withSent = false,
): FormRedirect | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null) {
    throw optionError(
      factory,
      'redirect',
      `be an object like { success: '/', failure: '/login'${withSent ? ", sent: '/login/code'" : ''} }`,
      value,
    )
  }
  const given = value as Partial<MagicCodeRedirectOptions>
  const success = target(given.success, 'redirect.success', factory)
  const failure = target(given.failure, 'redirect.failure', factory)
  const sent = given.sent === undefined ? failure : target(given.sent, 'redirect.sent', factory)
  if (cookieSession === undefined) {
    throw optionError(
      factory,
      'redirect',
      'come with `cookie` (a form post is answered with a redirect, and only the session cookie carries the session to the next page)',
      value,
      '`cookie` unset',
    )
  }
  return { success, failure, sent }
}

function target(value: unknown, option: string, factory: string): string {
  const must = "be a path of this site ('/login') or an absolute http(s) URL"
  if (typeof value !== 'string' || value === '') throw optionError(factory, option, must, value)
  if (sitePath(value) === value) return value
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw optionError(factory, option, must, value, JSON.stringify(value))
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw optionError(factory, option, must, value, JSON.stringify(value))
  return value
}

/**
 * `value` when it is a path of this site (`/a/b?c#d`), normalised as the browser would read it;
 * else `undefined`. Refuses `//evil.example`, `/\evil.example`, schemes and control characters.
 */
export function sitePath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_NEXT_LENGTH) return undefined
  if (!value.startsWith('/') || value.startsWith('//') || hasUnsafeCharacter(value)) {
    return undefined
  }
  let url: URL
  try {
    url = new URL(value, SITE)
  } catch {
    return undefined
  }
  return url.origin === SITE ? `${url.pathname}${url.search}${url.hash}` : undefined
}

/** A backslash (read as `/` by browsers) or a control character. */
function hasUnsafeCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code === 0x5c || code < 0x20 || code === 0x7f) return true
  }
  return false
}

/** `base` with `params` appended to its query (a path stays a path). */
export function withParams(base: string, params: Readonly<Record<string, string>>): string {
  const relative = base.startsWith('/')
  const url = new URL(base, SITE)
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return relative ? `${url.pathname}${url.search}${url.hash}` : url.href
}

/** Answers 303 See Other to `location`, with an empty body. */
export function seeOther(res: ServerResponse, location: string): void {
  res.statusCode = 303
  res.setHeader('Location', location)
  res.removeHeader('Content-Type')
  res.setHeader('Content-Length', 0)
  res.end()
}

/** A success: to the form's `next` when it is a page of this site, else to `redirect.success`. */
export function redirectSuccess(
  res: ServerResponse,
  redirect: FormRedirect,
  body: Readonly<Record<string, unknown>>,
): void {
  seeOther(res, sitePath(body['next']) ?? redirect.success)
}

/**
 * A failure: to `redirect.failure` with `?error=<code>` (and `extra`: the form's `next`, the
 * magic-code routes' `email`), unless it is a CSRF
 * refusal, which is no page of the app's own and stays a 403 problem. Returns false then.
 */
export function redirectFailure(
  res: ServerResponse,
  redirect: FormRedirect,
  error: KitError,
  extra: Readonly<Record<string, string>> = {},
): boolean {
  if (error.code === 'csrf_rejected' || res.headersSent) return false
  seeOther(res, withParams(redirect.failure, { error: error.code, ...extra }))
  return true
}

/**
 * `{ next }` when the form carried a `next` field that is a path of this site, so the page the
 * user wanted survives a detour through the login pages; else `{}`.
 */
export function nextOf(req: IncomingMessage): Record<string, string> {
  const next = sitePath((req as { body?: Record<string, unknown> }).body?.['next'])
  return next === undefined ? {} : { next }
}

/**
 * Wraps a route so that a form post it refuses lands on `redirect.failure` (with `extra(req)`
 * appended) instead of a problem; JSON requests, and every request when `redirect` is not set,
 * go through untouched. Unexpected errors are logged as `fail` logs them.
 */
export function withFormRedirect(
  redirect: FormRedirect | undefined,
  failure: Failure,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  extra?: (req: IncomingMessage) => Record<string, string>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  if (redirect === undefined) return handler
  return async function formRoute(req, res) {
    if (!isFormPost(req)) return handler(req, res)
    try {
      await handler(req, res)
    } catch (error) {
      const kitError = toKitError(error, failure.logger, failure.where)
      const params = { ...nextOf(req), ...extra?.(req) }
      if (!redirectFailure(res, redirect, kitError, params)) throw kitError
    }
  }
}

/**
 * True for a browser's page load (a `GET`/`HEAD` navigation, or one accepting `text/html` when
 * Fetch Metadata is missing), which `redirectTo` sends to the login page; API calls are not.
 */
export function isPageNavigation(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false
  const mode = req.headers['sec-fetch-mode']
  if (typeof mode === 'string') return mode === 'navigate'
  const accept = req.headers.accept
  return typeof accept === 'string' && accept.toLowerCase().includes('text/html')
}

/** Validates `redirectTo` once: a path of this site or an absolute http(s) URL. */
export function resolveRedirectTo(value: unknown, factory: string): string | undefined {
  return value === undefined ? undefined : target(value, 'redirectTo', factory)
}

/** Sends a page load to `loginPage?next=<the page>` (303). */
export function redirectToLogin(
  req: IncomingMessage,
  res: ServerResponse,
  loginPage: string,
): void {
  const page = sitePath((req as { originalUrl?: unknown }).originalUrl ?? req.url)
  seeOther(res, page === undefined ? loginPage : withParams(loginPage, { next: page }))
}
