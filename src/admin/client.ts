import { inspect } from 'node:util'
import { createAuth, ADMIN_TOKEN_REQUIRED, ADMIN_TOKEN_REQUIRED_AS_EMAIL } from './auth.js'
import type { InstantAdminAuth } from './auth.js'
import { adminHeaders, publicHeaders } from './headers.js'
import { MAX_AUTH_RESPONSE_BYTES, resolveOptions } from './options.js'
import type { InitConfig } from './options.js'
import type { QueryResult, RuleParams, SchemaLike, ValidQuery } from './schema-types.js'
import { createTransport } from './transport.js'
import { createTx, stepsOf } from './tx.js'
import { debugQueryBody, debugTransactBody } from './debug.js'
import type {
  DebugCheckResult,
  DebugQueryOptions,
  DebugTransactOptions,
  DebugTransactResult,
} from './debug.js'
import type { TransactInput, TxBuilder } from './tx.js'
import type { RequestOptions } from './user.js'
import { adminTokenRequiredError } from '../errors/admin-token-required.js'
import { HONOURS_CALL_TIMEOUTS } from '../errors/brands.js'

/** Who an `asUser` scope acts as. Exactly one key; `{ guest: true }` for a signed-out user. */
export type AsUserOptions = { token: string } | { email: string } | { guest: boolean }

/** Options of `db.query`: `signal` and `timeoutMs` as on every call ({@link RequestOptions}). */
export type QueryOptions = RequestOptions & {
  /** Sent inside the query as `$$ruleParams`, like the SDK. */
  ruleParams?: RuleParams | undefined
}

/** Options of `db.transact`: `signal` and `timeoutMs` ({@link RequestOptions}). */
export type TransactOptions = RequestOptions

/** What `db.transact` resolves to. */
export type TransactResult = { 'tx-id': number; [key: string]: unknown }

/**
 * The client `init` returns. Same surface as `@instantdb/admin` for `query`, `transact`, `tx`,
 * `asUser` and `auth`, plus `close()`. `util.inspect` and `JSON.stringify` show only `appId`
 * and `apiURI` (and the kind of `asUser` scope), never a token.
 */
export type InstantAdminDatabase<S extends SchemaLike | undefined = undefined> = {
  /**
   * Runs an InstaQL query; resolves to Instant's result tree unchanged.
   *
   * @example
   * ```ts
   * const { goals } = await db.query({ goals: { todos: {} } }, { ruleParams: { knownId } })
   * ```
   */
  query<Q extends ValidQuery<Q, S>>(query: Q, options?: QueryOptions): Promise<QueryResult<S, Q>>
  /**
   * Applies one chunk or an array of chunks atomically; resolves to `{ 'tx-id': number }`.
   * Never retried.
   *
   * @example
   * ```ts
   * await db.transact([db.tx.goals[id()].update({ title: 'Get fit' })])
   * ```
   */
  transact(chunks: TransactInput, options?: TransactOptions): Promise<TransactResult>
  /**
   * Like `query`, with every permission check reported: resolves to `{ result, checkResults }`.
   * Needs an `asUser(...)` db and the admin token (Instant refuses an admin caller). `rules`
   * replaces the app's rules for this call; `ip` / `origin` are what rules see as `request.ip` /
   * `request.origin`.
   *
   * @example
   * ```ts
   * const { result, checkResults } = await db
   *   .asUser({ guest: true })
   *   .debugQuery({ goals: {} }, { rules: { goals: { allow: { view: 'auth.id != null' } } } })
   * ```
   */
  debugQuery<Q extends ValidQuery<Q, S>>(
    query: Q,
    options?: DebugQueryOptions,
  ): Promise<{ result: QueryResult<S, Q>; checkResults: DebugCheckResult[] }>
  /**
   * Like `transact`, but a dry run: Instant runs it with every permission check recorded, then
   * rolls it back, and answers `{ 'tx-id', 'all-checks-ok?', 'committed?', 'check-results' }`.
   * Needs an `asUser(...)` db and the admin token. `rules`, `ip` and `origin` as in `debugQuery`.
   *
   * @example
   * ```ts
   * const scoped = db.asUser({ email: 'alyssa@example.com' })
   * const { 'all-checks-ok?': ok } = await scoped.debugTransact([
   *   scoped.tx.goals[id()].update({ title: 'Get fit' }),
   * ])
   * ```
   */
  debugTransact(chunks: TransactInput, options?: DebugTransactOptions): Promise<DebugTransactResult>
  /** The transaction builder, typed by the schema: `db.tx.goals[id].update({...})`. */
  readonly tx: TxBuilder<S>
  /**
   * The same client acting as a user (Instant's permission rules apply) for `query` and
   * `transact`. Shares the connection pool; `auth` stays admin. `{ email }` needs `adminToken`.
   *
   * @example
   * ```ts
   * const scoped = db.asUser({ token: req.get('token')! })
   * await scoped.query({ todos: {} })
   * ```
   */
  asUser(as: AsUserOptions): InstantAdminDatabase<S>
  /** Admin auth endpoints; see {@link InstantAdminAuth}. */
  readonly auth: InstantAdminAuth<S>
  /**
   * Closes the client's own connection pool (not a `dispatcher` you passed). Shared with every
   * `asUser` scope, so closing any of them closes the client.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => void db.close())
   * ```
   */
  close(): Promise<void>
}

function impersonationHeader(as: AsUserOptions): readonly [string, string] {
  if (typeof as === 'object' && as !== null) {
    if ('email' in as && typeof as.email === 'string') return ['as-email', as.email]
    if ('token' in as && typeof as.token === 'string') return ['as-token', as.token]
    if ('guest' in as) return ['as-guest', 'true']
  }
  throw new TypeError(
    'asUser() takes { token: string }, { email: string } or { guest: true }, e.g. db.asUser({ token }).',
  )
}

/**
 * Creates an admin client. Validates options once (a `TypeError` names the bad option);
 * opens connections lazily.
 *
 * Defaults: `apiURI` `https://api.instantdb.com`, `connectTimeoutMs` 5 000,
 * `headersTimeoutMs` 10 000, `bodyTimeoutMs` 10 000, one keep-alive undici `Pool`.
 *
 * @example
 * ```ts
 * import { init, id } from 'instant-express-auth/admin'
 * const db = init({ appId: process.env.INSTANT_APP_ID!, adminToken: process.env.INSTANT_APP_ADMIN_TOKEN })
 * await db.transact(db.tx.goals[id()].update({ title: 'Get fit' }))
 * ```
 */
export function init<S extends SchemaLike | undefined = undefined>(
  config: InitConfig<S>,
): InstantAdminDatabase<S> {
  const options = resolveOptions(config)
  const { appId, apiURI, adminToken, hasSchema } = options
  const transport = createTransport(options)
  const hasAdminToken = adminToken !== undefined
  const rootHeaders = adminHeaders(appId, adminToken)
  const queryPath = `${options.basePath}/admin/query?app_id=${appId}`
  const transactPath = `${options.basePath}/admin/transact?app_id=${appId}`
  const debugQueryPath = `${options.basePath}/admin/query_perms_check?app_id=${appId}`
  const debugTransactPath = `${options.basePath}/admin/transact_perms_check?app_id=${appId}`
  const { maxResponseBytes } = options
  const auth = createAuth<S>({
    transport,
    maxBytes: Math.min(MAX_AUTH_RESPONSE_BYTES, maxResponseBytes),
    basePath: options.basePath,
    appId,
    hasAdminToken,
    adminHeaders: rootHeaders,
    publicHeaders: publicHeaders(),
  })
  const txBuilder = createTx<S>()
  const close = () => transport.close()

  function scope(
    headers: Readonly<Record<string, string>>,
    missingToken: string | undefined,
    kind: string | undefined,
  ): InstantAdminDatabase<S> {
    const db = {
      query: async (query: object, queryOptions?: QueryOptions) => {
        if (missingToken !== undefined) throw adminTokenRequiredError(missingToken)
        // Same rule as the SDK: a `ruleParams` key (even undefined) becomes `$$ruleParams`.
        const q =
          queryOptions && 'ruleParams' in queryOptions
            ? { $$ruleParams: queryOptions.ruleParams, ...query }
            : query
        const body = JSON.stringify({ query: q, 'inference?': hasSchema })
        return transport.send('POST', queryPath, headers, body, queryOptions, maxResponseBytes)
      },
      transact: async (chunks: TransactInput, transactOptions?: TransactOptions) => {
        if (missingToken !== undefined) throw adminTokenRequiredError(missingToken)
        const body = JSON.stringify({
          steps: stepsOf(chunks),
          'throw-on-missing-attrs?': hasSchema,
        })
        return transport.send(
          'POST',
          transactPath,
          headers,
          body,
          transactOptions,
          maxResponseBytes,
        )
      },
      debugQuery: async (query: object, debugOptions?: DebugQueryOptions) => {
        if (missingToken !== undefined) throw adminTokenRequiredError(missingToken)
        const body = debugQueryBody(query, debugOptions, hasSchema)
        const answer = (await transport.send(
          'POST',
          debugQueryPath,
          headers,
          body,
          debugOptions,
          maxResponseBytes,
        )) as { result?: unknown; 'check-results'?: unknown } | null
        return { result: answer?.result, checkResults: answer?.['check-results'] }
      },
      debugTransact: async (chunks: TransactInput, debugOptions?: DebugTransactOptions) => {
        if (missingToken !== undefined) throw adminTokenRequiredError(missingToken)
        const body = debugTransactBody(stepsOf(chunks), debugOptions)
        return transport.send(
          'POST',
          debugTransactPath,
          headers,
          body,
          debugOptions,
          maxResponseBytes,
        )
      },
      tx: txBuilder,
      asUser,
      auth,
      close,
    }
    const view = kind === undefined ? { appId, apiURI } : { appId, apiURI, asUser: kind }
    Object.defineProperties(db, {
      // The kit then bounds calls with `timeoutMs` instead of a timer and an AbortSignal.
      [HONOURS_CALL_TIMEOUTS]: { value: true },
      [inspect.custom]: {
        value: () => `InstantAdminDatabase ${inspect(view, { breakLength: Infinity })}`,
      },
      toJSON: { value: () => view },
    })
    return db as unknown as InstantAdminDatabase<S>
  }

  function asUser(as: AsUserOptions): InstantAdminDatabase<S> {
    const header = impersonationHeader(as)
    const kind = header[0].slice('as-'.length)
    const missingToken =
      !hasAdminToken && kind === 'email' ? ADMIN_TOKEN_REQUIRED_AS_EMAIL : undefined
    return scope(adminHeaders(appId, adminToken, header), missingToken, kind)
  }

  return scope(rootHeaders, hasAdminToken ? undefined : ADMIN_TOKEN_REQUIRED, undefined)
}
