/**
 * Cookie sessions: the `cookie` and `trustedOrigins` options, the `Set-Cookie` the routers
 * write, and the CSRF checks that make a cookie safe to authenticate with (see `csrf.ts`).
 * Everything is validated once, at factory time; a request only reads its headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import {
  checkNotTextPlain,
  checkSameOrigin,
  isSafeMethod,
  resolveTrustedOrigins,
  type TrustedOrigins,
} from './csrf.js'
import type { KitError } from '../errors/kit-error.js'
import type { OptionKeys } from '../options/keys.js'
import { isLoopbackHost } from '../options/loopback.js'
import { resolveNumber } from '../options/numbers.js'
import { optionError } from '../options/option-error.js'
import { carriesHeaderToken } from './token-source.js'

/** How long the session cookie lives when `maxAgeMs` is not given, in ms: 7 days. */
export const DEFAULT_COOKIE_MAX_AGE_MS = 7 * 24 * 60 * 60_000
/** Browsers cap a cookie's lifetime at 400 days (RFC 6265bis), in ms. */
const MAX_COOKIE_MAX_AGE_MS = 400 * 24 * 60 * 60_000
/** The shortest `maxAgeMs`, in ms: one second, since `Max-Age` counts whole seconds. */
const MIN_COOKIE_MAX_AGE_MS = 1_000

/** The session cookie, in full. Only `name` is required. */
export interface CookieOptions {
  /** Cookie name; `__Host-instant_token` is recommended on HTTPS (Secure, `Path=/`, no `Domain`). */
  name: string
  /** Lifetime in ms (`Max-Age`). Default `604_800_000` (7 days); at most 400 days. */
  maxAgeMs?: number
  /** `'lax'` (default) or `'strict'`. `None` is not offered: it would send the cookie cross-site. */
  sameSite?: 'lax' | 'strict'
  /**
   * Default `true`. `false` leaves `Secure` out only on plain-http requests to a loopback host
   * (`localhost`, `127.x.x.x`, `[::1]`) for local development; any other request still gets it.
   */
  secure?: boolean
  /** `Domain` attribute. Default none (the cookie is sent to this host only; safest). */
  domain?: string
  /** `Path` attribute. Default `'/'`. */
  path?: string
}

/** A cookie name (its defaults), or the full {@link CookieOptions}. */
export type CookieSetting = string | CookieOptions

/** Options every factory that reads the session cookie takes. */
export interface CookieSessionOptions {
  /**
   * Read the token from this cookie (after the `token` and `Authorization` headers); the
   * routers also set it on sign-in and clear it on sign-out. Unsafe requests authenticated by
   * the cookie must be same-origin (403 `csrf_rejected`). Default: no cookie.
   */
  cookie?: CookieSetting
  /**
   * Origins other than the app's own whose unsafe requests are accepted with the cookie, e.g.
   * `['https://www.example.com']`. The request's own origin (protocol and `Host`) is always
   * trusted. Default none. Only with `cookie`.
   */
  trustedOrigins?: readonly string[]
}

/** Options of the routers that issue a token (`/sign-in`, `/verify-magic-code`). */
export interface TokenIssuingOptions extends CookieSessionOptions {
  /**
   * Also answer the token in the JSON body (the browser SDK's `signInWithToken` needs it).
   * Default `true`; `false` (only with `cookie`) keeps it in the HttpOnly cookie alone.
   */
  tokenInBody?: boolean
}

/** The keys of {@link CookieOptions}, for the option validator. */
const COOKIE_OPTIONS = {
  name: true,
  maxAgeMs: true,
  sameSite: true,
  secure: true,
  domain: true,
  path: true,
} as const satisfies OptionKeys<CookieOptions>

/** The cookie options every factory that reads the session cookie takes. */
export const COOKIE_SESSION_OPTIONS = {
  cookie: COOKIE_OPTIONS,
  trustedOrigins: true,
} as const satisfies OptionKeys<CookieSessionOptions>

/** The cookie options of the routers that issue a token. */
export const TOKEN_ISSUING_OPTIONS = {
  ...COOKIE_SESSION_OPTIONS,
  tokenInBody: true,
} as const satisfies OptionKeys<TokenIssuingOptions>

/** A resolved `cookie` option: what a factory needs per request. */
export interface CookieSession {
  readonly name: string
  /**
   * CSRF check for a request whose token may have come from the cookie: 403 `csrf_rejected`
   * for an unsafe cross-origin request whose token is not in a `token` or `Authorization: Bearer`
   * header, else `undefined`.
   */
  checkCookieRequest(req: IncomingMessage): KitError | undefined
  /** True when the request's token can only have come from the cookie (no header token). */
  isCookieOnly(req: IncomingMessage): boolean
  /** CSRF check for a route that sets the cookie (login CSRF), including `text/plain` bodies. */
  checkSetter(req: IncomingMessage): KitError | undefined
  /** Appends the `Set-Cookie` that stores `token`. */
  set(req: IncomingMessage, res: ServerResponse, token: string): void
  /** Appends the `Set-Cookie` that removes the cookie. */
  clear(req: IncomingMessage, res: ServerResponse): void
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const DOMAIN =
  /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/
const COOKIE_PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/ // visible ASCII without ';'
const HOST_HEADER = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/
const EXPIRED = 'Thu, 01 Jan 1970 00:00:00 GMT'

/**
 * Validates `cookie` and `trustedOrigins` once. `undefined` when no cookie is configured (then
 * `trustedOrigins` is an error: it would do nothing).
 */
export function resolveCookieSession(
  options: CookieSessionOptions,
  factory: string,
): CookieSession | undefined {
  const setting = options.cookie
  if (setting === undefined) {
    if (options.trustedOrigins !== undefined) {
      throw optionError(
        factory,
        'trustedOrigins',
        'be left out without `cookie` (it only applies to cookie sessions; set `cookie` too)',
        options.trustedOrigins,
      )
    }
    return undefined
  }
  const trustedOrigins = resolveTrustedOrigins(options.trustedOrigins, factory)
  const cookie = resolveCookieOptions(setting, factory)
  return createCookieSession(cookie, trustedOrigins)
}

/** Validates `tokenInBody` once; `false` needs a cookie, or the client would get no token. */
export function resolveTokenInBody(
  value: unknown,
  session: CookieSession | undefined,
  factory: string,
): boolean {
  if (value === undefined) return true
  if (typeof value !== 'boolean')
    throw optionError(factory, 'tokenInBody', 'be a boolean (default true)', value)
  if (!value && session === undefined) {
    throw optionError(
      factory,
      'tokenInBody',
      'be true without `cookie` (with false the client would get no token at all; set `cookie` too)',
      value,
    )
  }
  return value
}

interface ResolvedCookie {
  name: string
  maxAgeS: number
  sameSite: 'Lax' | 'Strict'
  secure: boolean
  domain: string | undefined
  path: string
}

function resolveCookieOptions(setting: unknown, factory: string): ResolvedCookie {
  let options: Record<string, unknown>
  if (typeof setting === 'string') options = { name: setting }
  else if (typeof setting === 'object' && setting !== null && !Array.isArray(setting)) {
    // Its keys were checked with the factory's (`COOKIE_OPTIONS`, through checkOptionKeys).
    options = setting as Record<string, unknown>
  } else {
    throw optionError(
      factory,
      'cookie',
      'be a cookie name or { name, maxAgeMs, sameSite, secure, domain, path }',
      setting,
    )
  }
  const { name, sameSite = 'lax', secure = true } = options
  const { domain, path = '/' } = options
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
    throw optionError(
      factory,
      typeof setting === 'string' ? 'cookie' : 'cookie.name',
      'be a cookie name (a non-empty token string), e.g. "__Host-instant_token"',
      name,
    )
  }
  // Max-Age is whole seconds; browsers cap it at 400 days.
  const maxAgeMs = resolveNumber(options['maxAgeMs'], {
    factory,
    option: 'cookie.maxAgeMs',
    default: DEFAULT_COOKIE_MAX_AGE_MS,
    integer: true,
    unit: 'milliseconds',
    min: MIN_COOKIE_MAX_AGE_MS,
    max: MAX_COOKIE_MAX_AGE_MS,
  })
  if (sameSite !== 'lax' && sameSite !== 'strict') {
    throw optionError(
      factory,
      'cookie.sameSite',
      "be 'lax' (default) or 'strict' ('none' would send the session cookie on cross-site requests)",
      sameSite,
      typeof sameSite === 'string' ? JSON.stringify(sameSite) : undefined,
    )
  }
  if (typeof secure !== 'boolean')
    throw optionError(factory, 'cookie.secure', 'be a boolean (default true)', secure)
  if (domain !== undefined && (typeof domain !== 'string' || !DOMAIN.test(domain))) {
    throw optionError(
      factory,
      'cookie.domain',
      'be a host name, e.g. "example.com" (default: none)',
      domain,
    )
  }
  if (typeof path !== 'string' || !COOKIE_PATH.test(path)) {
    throw optionError(factory, 'cookie.path', 'be a path starting with "/" (default "/")', path)
  }
  const lower = name.toLowerCase()
  if (lower.startsWith('__host-') && (!secure || path !== '/' || domain !== undefined)) {
    throw optionError(
      factory,
      'cookie',
      'be Secure, with path "/" and no domain, for a "__Host-" name (browsers drop it otherwise)',
      undefined,
      `secure: ${String(secure)}, path ${JSON.stringify(path)}, domain ${domain === undefined ? 'none' : JSON.stringify(domain)}`,
    )
  }
  if (lower.startsWith('__secure-') && !secure) {
    throw optionError(
      factory,
      'cookie.secure',
      'be true for a "__Secure-" name (browsers drop it otherwise)',
      secure,
    )
  }
  return {
    name,
    maxAgeS: Math.floor(maxAgeMs / 1000),
    sameSite: sameSite === 'lax' ? 'Lax' : 'Strict',
    secure,
    domain,
    path,
  }
}

function createCookieSession(
  cookie: ResolvedCookie,
  trustedOrigins: TrustedOrigins,
): CookieSession {
  const { name, maxAgeS, sameSite, secure } = cookie
  const scope = `${cookie.domain === undefined ? '' : `; Domain=${cookie.domain}`}; Path=${cookie.path}`
  const flags = (req: IncomingMessage): string =>
    `; HttpOnly${secure || !isPlainHttpLoopback(req) ? '; Secure' : ''}; SameSite=${sameSite}`

  return {
    name,
    checkCookieRequest(req) {
      // The hot path (a GET with the cookie) returns here, before the origin is derived.
      if (isSafeMethod(req.method) || carriesHeaderToken(req.headers)) return undefined
      return checkSameOrigin(
        { method: req.method, headers: req.headers, ownOrigin: requestOrigin(req) },
        trustedOrigins,
      )
    },
    isCookieOnly(req) {
      return !carriesHeaderToken(req.headers) && typeof req.headers.cookie === 'string'
    },
    checkSetter(req) {
      return (
        checkNotTextPlain(req) ??
        checkSameOrigin(
          { method: req.method, headers: req.headers, ownOrigin: requestOrigin(req) },
          trustedOrigins,
        )
      )
    },
    set(req, res, token) {
      appendSetCookie(
        res,
        `${name}=${encodeURIComponent(token)}${scope}; Max-Age=${maxAgeS}${flags(req)}`,
      )
    },
    clear(req, res) {
      appendSetCookie(res, `${name}=${scope}; Max-Age=0; Expires=${EXPIRED}${flags(req)}`)
    },
  }
}

type RequestWithProtocol = IncomingMessage & { protocol?: unknown }

/**
 * The origin this request addressed: Express's `req.protocol` (which honours `trust proxy` and
 * `X-Forwarded-Proto`), or the socket's TLS state on Connect, plus the `Host` header.
 * `undefined` when `Host` is missing or not a host.
 */
function requestOrigin(req: RequestWithProtocol): string | undefined {
  const host = req.headers.host
  if (host === undefined || !HOST_HEADER.test(host)) return undefined
  const protocol =
    req.protocol === 'https' || req.protocol === 'http'
      ? req.protocol
      : (req.socket as TLSSocket | undefined)?.encrypted === true
        ? 'https'
        : 'http'
  try {
    return new URL(`${protocol}://${host}`).origin
  } catch {
    return undefined
  }
}

/** Plain http to localhost, 127.x.x.x or [::1]: the one place `secure: false` takes effect. */
function isPlainHttpLoopback(req: RequestWithProtocol): boolean {
  const origin = requestOrigin(req)
  if (origin === undefined || !origin.startsWith('http:')) return false
  return isLoopbackHost(new URL(origin).hostname)
}

function appendSetCookie(res: ServerResponse, value: string): void {
  const previous = res.getHeader('Set-Cookie')
  res.setHeader(
    'Set-Cookie',
    previous === undefined
      ? [value]
      : Array.isArray(previous)
        ? [...previous, value]
        : [String(previous), value],
  )
}
