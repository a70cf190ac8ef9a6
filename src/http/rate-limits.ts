/**
 * The routers' abuse limits, built on express-rate-limit so any of its stores works (Redis,
 * Memcached, …). Each limiter is called by the router after it knows the key (the client's IP,
 * or an HMAC of the normalised email), and answers 429 `rate_limited` with `Retry-After` and the
 * standard `RateLimit` headers. Works on Connect too: keys never rely on `req.ip` alone, and the
 * validations that read Express-only properties are off.
 */
import type { KeyObject } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { rateLimit, ipKeyGenerator, type Options as RateLimitOptions } from 'express-rate-limit'
import { KitError, isKitError } from '../errors/kit-error.js'
import { optionError } from '../options/option-error.js'
import type { KitLogger, OnEvent } from '../options/events.js'
import { emailDomain } from './email-address.js'
import type { StateStore } from '../state-store.js'
import { clientRateLimitKey, emailRateLimitKey, ipRateLimitKey } from './rate-limit-keys.js'

/** Options of one limiter: any express-rate-limit option (`windowMs`, `limit`, `store`, …). */
export type LimiterOptions = Partial<
  Omit<
    RateLimitOptions,
    'handler' | 'keyGenerator' | 'requestPropertyName' | 'message' | 'statusCode'
  >
>

/** One limiter's settings: `false` turns it off; an object is merged over the kit's default. */
export type LimiterSetting = false | LimiterOptions

/** A kit limiter, ready to run against a request. */
export interface KitLimiter {
  readonly name: string
  /** Counts the request; rejects with 429 `rate_limited` when over the limit. */
  check(req: IncomingMessage, res: ServerResponse, key: LimiterKey): Promise<void>
}

/**
 * What a limiter counts by: the client's IP, an email, or the pair (one client of one email,
 * which an attacker without the victim's IP cannot share).
 */
type LimiterKey = { ip: true } | { email: string; ip?: true }

interface LimiterDefaults {
  windowMs: number
  limit: number
  /** Count only answers of 401 (wrong code, refused sign-in), not outages or successes. */
  failuresOnly: boolean
}

const KEY = Symbol('instant-express-auth.rateLimitKey')
type KeyedRequest = IncomingMessage & { [KEY]?: string; ip?: string }

/** Key generator shared by all kit limiters: the key was computed by the router. */
function kitKey(request: unknown): string {
  return (request as KeyedRequest)[KEY] ?? 'unknown'
}

function countOnly401(_request: unknown, response: { statusCode: number }): boolean {
  return response.statusCode !== 401
}

/** Client IP: `req.ip` on Express (honours `trust proxy`), the socket address on Connect. */
export function clientIp(req: IncomingMessage & { ip?: string }): string {
  const ip = req.ip ?? req.socket.remoteAddress
  return ip === undefined ? 'unknown' : ipKeyGenerator(ip, 56)
}

function appendHeader(this: ServerResponse, name: string, value: string): ServerResponse {
  const previous = this.getHeader(name)
  if (previous === undefined) this.setHeader(name, value)
  else this.setHeader(name, [...(Array.isArray(previous) ? previous : [String(previous)]), value])
  return this
}

/**
 * Builds a limiter once (at factory time, as express-rate-limit requires).
 * `setting === false` returns `undefined` (no limiter).
 */
function createLimiter(
  name: string,
  option: string,
  setting: LimiterSetting | undefined,
  defaults: LimiterDefaults,
  onEvent: OnEvent | undefined,
  logger: KitLogger,
  factory: string,
  key: KeyObject,
  store?: StateStore,
): KitLimiter | undefined {
  if (setting === false) return undefined
  if (setting !== undefined && (typeof setting !== 'object' || setting === null)) {
    throw optionError(
      factory,
      option,
      'be false or express-rate-limit options ({ windowMs, limit, store, … })',
      setting,
    )
  }
  const user = setting ?? {}
  const standardHeaders = user.standardHeaders ?? 'draft-7'
  const needsAppend = standardHeaders === 'draft-8'
  const middleware = rateLimit({
    windowMs: defaults.windowMs,
    limit: defaults.limit,
    legacyHeaders: false,
    ...(defaults.failuresOnly
      ? { skipSuccessfulRequests: true, requestWasSuccessful: countOnly401 }
      : {}),
    logger: {
      warn: (_e, message) => logger.warn(`express-rate-limit (${name}): ${message ?? 'warning'}`),
      error: (_e, message) => logger.error(`express-rate-limit (${name}): ${message ?? 'error'}`),
    },
    // A shared state store (Redis) counts for every instance, unless the limiter names its own.
    ...(store?.rateLimitStore === undefined ? {} : { store: store.rateLimitStore('rl:') }),
    ...user,
    standardHeaders,
    validate: {
      // Express-only checks (they read req.app / req.ip); our key generator does not use them.
      ip: false,
      trustProxy: false,
      xForwardedForHeader: false,
      forwardedHeader: false,
      ...(typeof user.validate === 'object' ? user.validate : {}),
    },
    requestPropertyName: 'rateLimit',
    keyGenerator: kitKey,
    handler(_request, response, next) {
      const retryAfter = response.getHeader('Retry-After')
      next(
        new KitError('rate_limited', {
          headers: { 'Retry-After': retryAfter === undefined ? '60' : String(retryAfter) },
        }),
      )
    },
  })

  return {
    name,
    check(req, res, by) {
      const keyed = req as KeyedRequest
      let domain: string | undefined
      if (!('email' in by)) keyed[KEY] = ipRateLimitKey(key, name, clientIp(keyed))
      else {
        keyed[KEY] =
          by.ip === true
            ? clientRateLimitKey(key, name, by.email, clientIp(keyed))
            : emailRateLimitKey(key, name, by.email)
        domain = emailDomain(by.email)
      }
      if (needsAppend && typeof (res as { append?: unknown }).append !== 'function') {
        // draft-8 headers use Express's res.append; give Connect's plain response one.
        Object.defineProperty(res, 'append', { value: appendHeader, configurable: true })
      }
      return new Promise<void>((resolve, reject) => {
        const done = (error?: unknown): void => {
          if (error === undefined) resolve()
          else reject(error)
        }
        void (
          middleware as unknown as (
            q: unknown,
            s: unknown,
            n: (e?: unknown) => void,
          ) => Promise<void>
        )(req, res, done)
      }).catch((error: unknown) => {
        if (isKitError(error) && error.code === 'rate_limited') {
          onEvent?.(
            domain === undefined
              ? { type: 'rate_limited', limiter: name }
              : { type: 'rate_limited', limiter: name, emailDomain: domain },
          )
        }
        throw error
      })
    },
  }
}

/**
 * Builds one of a router's limiters: its name, its key in `rateLimit`, its default window and
 * limit, and whether it counts only failures (401s).
 */
export type LimiterBuilder<Key extends string> = (
  name: string,
  key: Key,
  defaults: { readonly windowMs: number; readonly limit: number },
  failuresOnly: boolean,
) => KitLimiter | undefined

/**
 * Validates a router's `rateLimit` option once (`false`, or an object of per-limiter
 * settings) and returns the builder of its limiters; with `false` every limiter is off. Their
 * keys are HMACs under `hmacKey` (the router's `codeSecret`, see code-secret.ts).
 */
export function resolveRateLimits<Key extends string>(
  value: false | Partial<Record<Key, LimiterSetting>> | undefined,
  onEvent: OnEvent | undefined,
  logger: KitLogger,
  factory: string,
  hmacKey: KeyObject,
  store?: StateStore,
): LimiterBuilder<Key> {
  if (value === false) return () => undefined
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw optionError(factory, 'rateLimit', 'be false or an object of limiter settings', value)
  }
  const settings: Partial<Record<Key, LimiterSetting>> = value ?? {}
  return (name, key, defaults, failuresOnly) =>
    createLimiter(
      name,
      `rateLimit.${key}`,
      settings[key],
      { windowMs: defaults.windowMs, limit: defaults.limit, failuresOnly },
      onEvent,
      logger,
      factory,
      hmacKey,
      store,
    )
}

/**
 * The first limiter of a `rateLimit` option that names its own express-rate-limit `store`
 * (`'rateLimit.sendsPerEmail'`), or `undefined`: such a store may be shared by several
 * instances, so its keys need the app's `codeSecret`. Tolerates any value; `resolveRateLimits`
 * reports a malformed one.
 */
export function limiterWithOwnStore(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  for (const [name, setting] of Object.entries(value)) {
    if (typeof setting === 'object' && setting !== null && 'store' in setting) {
      if ((setting as { store?: unknown }).store !== undefined) return `rateLimit.${name}`
    }
  }
  return undefined
}

/** Runs limiters in order; the first one over its limit rejects. */
export async function checkAll(
  req: IncomingMessage,
  res: ServerResponse,
  checks: ReadonlyArray<readonly [KitLimiter | undefined, LimiterKey | undefined]>,
): Promise<void> {
  for (const [limiter, key] of checks) {
    if (limiter !== undefined && key !== undefined) await limiter.check(req, res, key)
  }
}
