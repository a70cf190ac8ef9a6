/**
 * The options of `tokenMigrationRouter`, and their one resolution into the
 * {@link TokenMigrationConfig} the router is built from.
 */
import {
  TOKEN_ISSUING_OPTIONS,
  resolveCookieSession,
  resolveTokenInBody,
  type CookieSession,
  type TokenIssuingOptions,
} from '../http/cookie.js'
import {
  COMMON_OPTIONS,
  assertDb,
  assertPath,
  resolveCommonOptions,
  type CommonOptions,
  type CommonSettings,
} from '../http/common-options.js'
import { resolveSecretAndLimits, type CodeSecret } from '../http/code-secret.js'
import type { KitLimiter, LimiterSetting } from '../http/rate-limits.js'
import type { InstantAuthDb } from '../instant/instant-db.js'
import type { OptionKeys } from '../options/keys.js'
import { optionError } from '../options/option-error.js'
import { resolveStateStore, type StateStore } from '../state-store.js'

const FACTORY = 'tokenMigrationRouter'

/** Default limit on refused migrations (unknown or revoked old tokens): per IP, 15 minutes. */
const MIGRATION_FAILURES_PER_IP = { windowMs: 15 * 60_000, limit: 20 } as const

/**
 * Options of {@link tokenMigrationRouter}. `db` is the admin client of the **new** backend (the
 * one tokens are minted on); `from` the admin client of the **old** one (the one the browser's
 * token belongs to, e.g. Instant Cloud).
 */
export interface TokenMigrationRouterOptions extends CommonOptions, TokenIssuingOptions {
  /** Admin client of the backend the users are leaving: it verifies their current tokens. */
  from: InstantAuthDb
  /** Route path. Default `'/migrate-token'`. */
  path?: string
  /**
   * A shared state store (`redisStore`): the failure limit counts for every instance. Default:
   * express-rate-limit's memory store, per process.
   */
  store?: StateStore
  /**
   * Key of the HMACs the rate-limit store holds instead of IPs; **required with any `store` but
   * `memoryStore()`** (see `signInRouter`'s `codeSecret`, the same value serves both).
   */
  codeSecret?: CodeSecret
  /** Abuse limits (refused migrations only), or `false` to turn them off. */
  rateLimit?:
    | false
    | {
        /** Default 20 refused migrations per 15 min per IP. */
        failuresPerIp?: LimiterSetting
      }
}

/** Every key {@link tokenMigrationRouter} accepts; anything else throws (see `checkOptionKeys`). */
const TOKEN_MIGRATION_ROUTER_OPTIONS = {
  ...COMMON_OPTIONS,
  ...TOKEN_ISSUING_OPTIONS,
  from: true,
  path: true,
  store: true,
  codeSecret: true,
  rateLimit: { failuresPerIp: true },
} as const satisfies OptionKeys<TokenMigrationRouterOptions>

/** {@link TokenMigrationRouterOptions}, validated once: all the router reads. */
export interface TokenMigrationConfig extends CommonSettings {
  from: InstantAuthDb
  path: string
  cookieSession: CookieSession | undefined
  tokenInBody: boolean
  /** The failure limiter, built once; `undefined` when turned off. */
  perIp: KitLimiter | undefined
}

/** Checks every option of `tokenMigrationRouter` once. */
export function resolveTokenMigrationOptions(options: unknown): TokenMigrationConfig {
  const common = resolveCommonOptions(options, FACTORY, TOKEN_MIGRATION_ROUTER_OPTIONS)
  const given = options as TokenMigrationRouterOptions
  const { from, path = '/migrate-token' } = given
  if (from === undefined) {
    throw optionError(
      FACTORY,
      'from',
      'be the admin client of the old backend (the one the tokens belong to), e.g. init({ appId, adminToken }) for Instant Cloud',
      from,
    )
  }
  assertDb(from, FACTORY)
  if (from === common.db) {
    throw optionError(
      FACTORY,
      'from',
      'be the client of another backend than `db` (tokens move from `from` to `db`)',
      from,
      'the same client as `db`',
    )
  }
  assertPath(path, 'path', FACTORY)
  const store = given.store === undefined ? undefined : resolveStateStore(given.store, FACTORY)
  const cookieSession = resolveCookieSession(given, FACTORY)
  const { limiter } = resolveSecretAndLimits(given, store, common, FACTORY)
  return {
    ...common,
    from,
    path,
    cookieSession,
    tokenInBody: resolveTokenInBody(given.tokenInBody, cookieSession, FACTORY),
    perIp: limiter('migrate-token-ip', 'failuresPerIp', MIGRATION_FAILURES_PER_IP, true),
  }
}
