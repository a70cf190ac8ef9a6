/**
 * `debugQuery` / `debugTransact`: a query or a transaction with every permission check reported,
 * through Instant's `POST /admin/query_perms_check` and `/admin/transact_perms_check`, exactly as
 * `@instantdb/admin` 1.0.67 sends them. They need an `asUser(...)` db and the admin token: Instant
 * refuses an admin caller ("Cannot test perms as admin").
 */
import type { RuleParams } from './schema-types.js'
import type { RequestOptions } from './user.js'

/** One check of `debugQuery`'s `checkResults`: a rule evaluated on one entity (the SDK's type). */
export type DebugCheckResult = {
  /** The id of the record. */
  id: string
  /** The namespace of the record. */
  entity: string
  /** The record's attributes. */
  record: Record<string, any>
  /** What the rule answered for it. */
  check: any
  /** Also sent: the attribute of a `fields` rule (null for `view`) and the rule itself. */
  [key: string]: unknown
}

/** Options of `debugQuery`, as the SDK's, plus `signal` and `timeoutMs`. */
export type DebugQueryOptions = RequestOptions & {
  /** Rules used for this query only, instead of the app's (`rules-override`). */
  rules?: any
  /** Sent inside the query as `$$ruleParams`, like `query`'s. */
  ruleParams?: RuleParams | undefined
  /** What the rules see as `request.ip`. */
  ip?: string | null | undefined
  /** What the rules see as `request.origin`. */
  origin?: string | null | undefined
  /** Has-one links as objects; default: on when the client has a schema. */
  cardinalityInference?: boolean | undefined
}

/** Options of `debugTransact`, as the SDK's, plus `signal` and `timeoutMs`. */
export type DebugTransactOptions = RequestOptions & {
  /** Rules used for this transaction only, instead of the app's (`rules-override`). */
  rules?: any
  /** What the rules see as `request.ip`. */
  ip?: string | null | undefined
  /** What the rules see as `request.origin`. */
  origin?: string | null | undefined
}

/** One check of `debugTransact`'s `check-results`, as Instant's server sends it. */
export type DebugTransactCheck = {
  scope: string
  etype: string
  eid: string
  action: string
  /** The rule: `code` with the binds it uses, `display-code` as written; `{}` when none applied. */
  program: { etype?: string; action?: string; code?: string; 'display-code'?: string }
  'check-result': unknown
  'check-pass?': boolean
  /** What the rule saw: `data`, `new-data`, `rule-params`, … */
  bindings?: Record<string, unknown>
  [key: string]: unknown
}

/**
 * What `debugTransact` resolves to: Instant's answer unchanged. The transaction is rolled back
 * (`committed?` false): it is a dry run.
 */
export type DebugTransactResult = {
  'tx-id': number
  'all-checks-ok?': boolean
  'committed?'?: boolean
  'check-results'?: DebugTransactCheck[]
  [key: string]: unknown
}

/** The body of `query_perms_check`, keys in the SDK's order. */
export function debugQueryBody(
  query: object,
  options: DebugQueryOptions | undefined,
  hasSchema: boolean,
): string {
  // Same rule as the SDK: a `ruleParams` key (even undefined) becomes `$$ruleParams`.
  const q =
    query && options && 'ruleParams' in options
      ? { $$ruleParams: options.ruleParams, ...query }
      : query
  const body: Record<string, unknown> = {
    query: q,
    'rules-override': options?.rules,
    'inference?': options?.cardinalityInference ?? hasSchema,
  }
  if (options?.ip) body['ip-override'] = options.ip
  if (options?.origin) body['origin-override'] = options.origin
  return JSON.stringify(body)
}

/** The body of `transact_perms_check`, keys in the SDK's order. */
export function debugTransactBody(
  steps: unknown[],
  options: DebugTransactOptions | undefined,
): string {
  const body: Record<string, unknown> = {
    steps,
    'rules-override': options?.rules,
    // The SDK's private `__dangerouslyCommit`, passed on as it does.
    'dangerously-commit-tx': (options as { __dangerouslyCommit?: unknown } | undefined)
      ?.__dangerouslyCommit,
  }
  if (options?.ip) body['ip-override'] = options.ip
  if (options?.origin) body['origin-override'] = options.origin
  return JSON.stringify(body)
}
