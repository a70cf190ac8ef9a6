import type { Dispatcher } from 'undici'
import { Dispatcher as DispatcherClass } from './undici.js'
import { resolveBytes, resolveTimeoutMs, type NumberOption } from '../options/numbers.js'
import { checkOptionKeys, type OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'
import type { SchemaLike } from './schema-types.js'

/** Instant Cloud, used when `apiURI` is absent or empty (as in `@instantdb/admin`). */
export const DEFAULT_API_URI = 'https://api.instantdb.com'
/** Time allowed to open a TCP/TLS connection to Instant, in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000
/** Time allowed between sending a request and receiving the response headers, in milliseconds. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000
/** Time allowed between two chunks of the response body, in milliseconds. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000
/** How long an idle keep-alive socket to Instant stays open, in milliseconds. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 30_000
/** Largest `query`/`transact` answer the client reads, in bytes (64 MiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
/**
 * Largest answer to an auth call (a user, a token, a code), in bytes (1 MiB): far above any real
 * one, far below what a broken or hostile upstream could make every verification buffer.
 */
export const MAX_AUTH_RESPONSE_BYTES = 1024 * 1024

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Options of {@link init}. Same names as `@instantdb/admin`'s config, plus transport options.
 *
 * @example
 * ```ts
 * const db = init({
 *   appId: process.env.INSTANT_APP_ID!,
 *   adminToken: process.env.INSTANT_APP_ADMIN_TOKEN,
 *   apiURI: process.env.INSTANT_API_URI, // self-hosted or Local Instant; default Instant Cloud
 *   headersTimeoutMs: 5_000,
 * })
 * ```
 */
export type InitConfig<Schema extends SchemaLike | undefined = undefined> = {
  /** The app's UUID. Required; trimmed. */
  appId: string
  /**
   * The app's admin token. Trimmed. Needed for every call except `verifyToken` and
   * `asUser({ token })` / `asUser({ guest: true })` queries and transactions.
   */
  adminToken?: string | undefined
  /** Base URL of the Instant API. Default `'https://api.instantdb.com'`; a trailing slash is ignored. */
  apiURI?: string | undefined
  /**
   * The object returned by `i.schema(...)`. Types query results and transactions, and makes
   * requests send `inference?: true` and `throw-on-missing-attrs?: true`, like the SDK.
   * No client-side validation is run (the server validates).
   */
  schema?: Schema
  /** Connect timeout in ms. Default `5_000`. Ignored with `dispatcher`. */
  connectTimeoutMs?: number | undefined
  /** Headers timeout in ms, per request. Default `10_000`. */
  headersTimeoutMs?: number | undefined
  /** Body timeout in ms, per request. Default `10_000`. */
  bodyTimeoutMs?: number | undefined
  /**
   * Largest `query`/`transact` answer read, in bytes; a longer one is cut off and rejected with
   * `InstantTransportError` `INSTANT_BAD_RESPONSE`. Default 64 MiB.
   * Auth calls are capped at 1 MiB, or this if lower.
   */
  maxResponseBytes?: number | undefined
  /**
   * An undici `Dispatcher` (Agent, Pool, MockAgent, ProxyAgent...) to send requests through
   * instead of the client's own keep-alive `Pool`. `close()` does not close it: you own it.
   */
  dispatcher?: Dispatcher | undefined
}

/** Every key {@link init} accepts; anything else throws (see `checkOptionKeys`). */
const INIT_OPTIONS = {
  appId: true,
  adminToken: true,
  apiURI: true,
  schema: true,
  connectTimeoutMs: true,
  headersTimeoutMs: true,
  bodyTimeoutMs: true,
  dispatcher: true,
  maxResponseBytes: true,
} as const satisfies OptionKeys<InitConfig<SchemaLike>>

/** Validated, trimmed and defaulted options; never the caller's object. */
export type ResolvedOptions = {
  appId: string
  adminToken: string | undefined
  apiURI: string
  origin: string
  basePath: string
  hasSchema: boolean
  connectTimeoutMs: number
  headersTimeoutMs: number
  bodyTimeoutMs: number
  maxResponseBytes: number
  dispatcher: Dispatcher | undefined
}

/** How option errors name `init`: with its entry point, since `@instantdb/admin` has an `init` too. */
const FACTORY = 'instant-express-auth/admin init'

/** Where a numeric option of `init` sits. */
function at(option: string, fallback: number): NumberOption {
  return { factory: FACTORY, option, default: fallback }
}

function fail(option: string, must: string, value: unknown, got?: string): never {
  throw optionError(FACTORY, option, must, value, got)
}

function isDispatcher(value: unknown): value is Dispatcher {
  if (value instanceof DispatcherClass) return true
  // A Dispatcher from another undici copy: duck-type the two methods we call.
  const candidate = value as { dispatch?: unknown; request?: unknown } | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.dispatch === 'function' &&
    typeof candidate.request === 'function'
  )
}

/**
 * Checks `init`'s options once and returns a resolved copy. Throws a `TypeError` that names the
 * option and the fix. Never echoes `adminToken`.
 */
export function resolveOptions(config: unknown): ResolvedOptions {
  if (typeof config !== 'object' || config === null) {
    fail('options', 'be an object, e.g. init({ appId, adminToken })', config)
  }
  checkOptionKeys(config, INIT_OPTIONS, FACTORY)
  const c = config as { [key: string]: unknown }

  if (typeof c.appId !== 'string' || c.appId.trim() === '') {
    fail('appId', 'be given: your app id (a UUID) from the Instant dashboard', c.appId)
  }
  const appId = c.appId.trim()
  if (!UUID_PATTERN.test(appId)) {
    fail('appId', 'be a UUID; copy it from the dashboard', appId, JSON.stringify(appId))
  }

  if (c.adminToken !== undefined && typeof c.adminToken !== 'string') {
    fail('adminToken', 'be a string: the admin token from the Instant dashboard', c.adminToken)
  }
  const adminToken = c.adminToken?.trim() || undefined

  if (c.apiURI !== undefined && typeof c.apiURI !== 'string') {
    fail('apiURI', 'be a string such as "https://api.instantdb.com"', c.apiURI)
  }
  const rawURI = c.apiURI || DEFAULT_API_URI
  let url: URL
  try {
    url = new URL(rawURI)
  } catch {
    fail(
      'apiURI',
      'be an http(s) URL such as "https://api.instantdb.com"',
      rawURI,
      JSON.stringify(rawURI),
    )
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    fail(
      'apiURI',
      'be an http(s) URL without query or fragment, such as "https://api.instantdb.com"',
      rawURI,
      JSON.stringify(rawURI),
    )
  }
  if (url.username || url.password) {
    fail(
      'apiURI',
      'not carry credentials (pass `adminToken` instead)',
      rawURI,
      'a URL with credentials',
    )
  }
  const basePath = url.pathname.replace(/\/+$/, '')

  if (c.schema !== undefined && (typeof c.schema !== 'object' || c.schema === null)) {
    fail('schema', 'be the object returned by i.schema({ entities, links })', c.schema)
  }

  if (c.dispatcher !== undefined && !isDispatcher(c.dispatcher)) {
    fail(
      'dispatcher',
      'be an undici Dispatcher (Agent, Pool, MockAgent...), or be left out for the default pool',
      c.dispatcher,
    )
  }

  return {
    appId,
    adminToken,
    apiURI: url.origin + basePath,
    origin: url.origin,
    basePath,
    hasSchema: c.schema !== undefined,
    connectTimeoutMs: resolveTimeoutMs(
      c.connectTimeoutMs,
      at('connectTimeoutMs', DEFAULT_CONNECT_TIMEOUT_MS),
    ),
    headersTimeoutMs: resolveTimeoutMs(
      c.headersTimeoutMs,
      at('headersTimeoutMs', DEFAULT_HEADERS_TIMEOUT_MS),
    ),
    bodyTimeoutMs: resolveTimeoutMs(c.bodyTimeoutMs, at('bodyTimeoutMs', DEFAULT_BODY_TIMEOUT_MS)),
    maxResponseBytes: resolveBytes(
      c.maxResponseBytes,
      at('maxResponseBytes', DEFAULT_MAX_RESPONSE_BYTES),
    ),
    dispatcher: c.dispatcher as Dispatcher | undefined,
  }
}
