/** Option checks shared by the factories: run once, at factory time. */
import { resolveLogger, resolveOnEvent, type KitLogger, type OnEvent } from '../options/events.js'
import { isInstantAuthDb, type InstantAuthDb } from '../instant/instant-db.js'
import { resolveInstantTimeout, type InstantTimeoutOptions } from '../instant/instant-timeout.js'
import { checkOptionKeys, type KeySpec, type OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'
import {
  resolveResponseOptions,
  type Failure,
  type ResponseOptions,
  type SecurityHeaders,
} from './respond.js'

/** Options every factory takes. */
export interface CommonOptions extends ResponseOptions, InstantTimeoutOptions {
  /** Your Instant admin client: `init(...)` from `instant-express-auth/admin` or `@instantdb/admin`. */
  db: InstantAuthDb
  /** Metrics and logging hook; events never carry a token, code or full email. */
  onEvent?: OnEvent
  /** Where misconfiguration and upstream-failure lines go. Default `console`. */
  logger?: KitLogger
}

/** The keys of {@link CommonOptions}; each factory's list spreads it and adds its own. */
export const COMMON_OPTIONS = {
  db: true,
  onEvent: true,
  logger: true,
  onError: true,
  helmet: true,
  instantTimeoutMs: true,
} as const satisfies OptionKeys<CommonOptions>

/** {@link CommonOptions}, validated, with the helpers every factory builds from them. */
export interface CommonSettings {
  db: InstantAuthDb
  logger: KitLogger
  onEvent: OnEvent | undefined
  passErrors: boolean
  securityHeaders: SecurityHeaders
  /** Upper bound on each call to Instant, in ms. */
  timeoutMs: number
  /** How this factory answers (or forwards) an error. */
  failure: Failure
}

/**
 * The prelude of every factory: checks that it was called with an options object whose keys
 * are all in `known` (its list, which spreads {@link COMMON_OPTIONS}), then validates the shared
 * options (TypeError naming the option) and builds what they describe.
 */
export function resolveCommonOptions(
  options: unknown,
  factory: string,
  known: KeySpec,
): CommonSettings {
  assertOptionsObject(options, factory)
  checkOptionKeys(options, known, factory)
  const { db } = options
  assertDb(db, factory)
  const logger = resolveLogger(options['logger'], factory)
  const onEvent = resolveOnEvent(options['onEvent'], logger, factory)
  const { passErrors, securityHeaders } = resolveResponseOptions(options, factory)
  const timeoutMs = resolveInstantTimeout(options['instantTimeoutMs'], factory)
  const failure: Failure = { passErrors, securityHeaders, logger, onEvent, where: factory }
  return { db, logger, onEvent, passErrors, securityHeaders, timeoutMs, failure }
}

/** Catches `app.use(factory)` (the factory passed instead of called), like helmet does. */
export function assertOptionsObject(
  options: unknown,
  factory: string,
): asserts options is Record<string, unknown> {
  if (typeof options === 'object' && options !== null) {
    const looksLikeRequest =
      (options as { constructor?: { name?: unknown } }).constructor?.name === 'IncomingMessage' ||
      ('headers' in options && 'method' in options && 'url' in options)
    if (looksLikeRequest) {
      throw new TypeError(
        `It looks like you did app.use(${factory}); call it with options instead: app.use(${factory}({ db })).`,
      )
    }
    return
  }
  throw optionError(factory, 'options', `be an object, e.g. ${factory}({ db })`, options)
}

/** `db` must be an Instant admin client: ours or `@instantdb/admin`. */
export function assertDb(db: unknown, factory: string): asserts db is InstantAuthDb {
  if (!isInstantAuthDb(db)) {
    throw optionError(
      factory,
      'db',
      'be an Instant admin client: init({ appId, adminToken }) from instant-express-auth/admin or @instantdb/admin',
      db,
    )
  }
}

/** A mount path: starts with "/", no query string. */
export function assertPath(
  value: unknown,
  option: string,
  factory: string,
): asserts value is string {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.includes('?') ||
    value.includes('#')
  ) {
    throw optionError(factory, option, 'be a path starting with "/", e.g. "/sign-in"', value)
  }
}
