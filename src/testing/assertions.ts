/**
 * `assertSucceeds` / `assertFails`, after Firebase's `@firebase/rules-unit-testing`, for any test
 * runner: they resolve or throw an `AssertionError`-named error, and import no runner.
 */
import { isInstantTransportError } from '../admin/index.js'

/** The `code` of the errors `assertSucceeds` and `assertFails` throw. */
const TEST_ASSERTION_FAILED = 'INSTANT_TEST_ASSERTION_FAILED'

/** What `assertSucceeds` / `assertFails` throw: the operation's own error, if any, is `cause`. */
export class InstantTestAssertionError extends Error {
  readonly code = TEST_ASSERTION_FAILED
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    // What test runners print and what Node's assert throws: the runner shows it as a failure.
    this.name = 'AssertionError'
  }
}

/** What a permission rule's refusal carries, read from Local Instant's (or Instant's) answer. */
export interface PermissionDenial {
  /** The namespace checked, e.g. `'todos'`. */
  namespace: string | undefined
  /** The action checked: `view`, `create`, `update`, `delete`, `link.<label>`, … */
  action: string | undefined
  /** The rule's expression text that answered no (Local Instant names it; Instant does not). */
  rule: string | undefined
  /** Where the rule sits in the rules object, e.g. `['todos', 'allow', 'update']`. */
  rulePath: readonly string[] | undefined
}

/** The error `assertFails` resolves to: the operation's own error, with the denial on it. */
export type PermissionDeniedError = Error & PermissionDenial & { status?: number; body?: unknown }

/**
 * Awaits `operation` and returns its value; when it fails, throws an error saying what failed:
 * the rule that refused, or the other reason (validation, network).
 *
 * @example
 * ```ts
 * const alice = await env.authenticatedContext({ email: 'alice@example.com' })
 * await assertSucceeds(alice.db.transact(alice.db.tx.todos[id()].update({ title: 'milk' })))
 * ```
 */
export async function assertSucceeds<T>(operation: PromiseLike<T>): Promise<T> {
  try {
    return await operation
  } catch (error) {
    throw new InstantTestAssertionError(
      `Expected the operation to succeed, but ${describeFailure(error)}`,
      { cause: error },
    )
  }
}

/**
 * Awaits `operation`, expecting a permission rule to refuse it, and resolves to that error,
 * carrying `namespace`, `action` and `rule`. Throws when the operation succeeded, or failed for
 * another reason (a validation error, the network, a rule that threw).
 *
 * View rules filter what a query returns rather than refuse it: assert on the result instead.
 *
 * @example
 * ```ts
 * const bob = await env.authenticatedContext({ email: 'bob@example.com' })
 * const denied = await assertFails(bob.db.transact(bob.db.tx.todos[aliceTodo].delete()))
 * denied.rule // 'auth.id == data.ownerId'
 * ```
 */
export async function assertFails(operation: PromiseLike<unknown>): Promise<PermissionDeniedError> {
  let value: unknown
  try {
    value = await operation
  } catch (error) {
    const denial = permissionDenial(error)
    if (denial === undefined) {
      throw new InstantTestAssertionError(
        `Expected a permission rule to refuse the operation, but ${describeFailure(error)}`,
        { cause: error },
      )
    }
    return Object.assign(error as Error, denial)
  }
  throw new InstantTestAssertionError(
    `Expected a permission rule to refuse the operation, but it succeeded${resultHint(value)}`,
  )
}

interface ApiErrorLike {
  status: number
  body: { type?: unknown; message?: unknown; hint?: unknown } | undefined
}

/** Instant's HTTP error, from this kit's admin client or `@instantdb/admin` (matched by shape). */
function apiError(error: unknown): ApiErrorLike | undefined {
  const e = error as { status?: unknown; body?: unknown } | null
  if (e === null || typeof e !== 'object' || typeof e.status !== 'number') return undefined
  const body =
    typeof e.body === 'object' && e.body !== null ? (e.body as ApiErrorLike['body']) : undefined
  return { status: e.status, body }
}

/** The denial an error reports, or `undefined` when it is not a permission rule's refusal. */
function permissionDenial(error: unknown): PermissionDenial | undefined {
  const api = apiError(error)
  if (api?.body?.type !== 'permission-denied') return undefined
  const hint = (api.body.hint ?? {}) as Record<string, unknown>
  const input = Array.isArray(hint['input']) ? (hint['input'] as unknown[]) : []
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
  const path = hint['rule-path']
  return {
    namespace: str(hint['etype']) ?? str(input[0]),
    action: str(hint['action']),
    rule: str(hint['rule']),
    rulePath:
      Array.isArray(path) && path.every((p) => typeof p === 'string') ? [...path] : undefined,
  }
}

/** "it was refused by …" / "it failed for another reason: …", never with a secret. */
function describeFailure(error: unknown): string {
  const denial = permissionDenial(error)
  if (denial) {
    const where = [denial.namespace, denial.action].filter(Boolean).join(' ')
    const rule = denial.rule === undefined ? '' : `: rule ${JSON.stringify(denial.rule)}`
    const at = denial.rulePath === undefined ? '' : ` at ${denial.rulePath.join('.')}`
    return `a permission rule refused it (${where || 'permission-denied'}${rule}${at})`
  }
  const api = apiError(error)
  if (api !== undefined) {
    const type = typeof api.body?.type === 'string' ? api.body.type : 'error'
    const message = typeof api.body?.message === 'string' ? `: ${api.body.message}` : ''
    const why =
      type === 'permission-evaluation-failed'
        ? 'a permission rule threw while it ran'
        : type === 'validation-failed'
          ? 'validation'
          : `Instant answered ${api.status}`
    return `it failed for another reason: ${why} (${type}${message})`
  }
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  if (isInstantTransportError(error)) {
    return `it failed for another reason: network (${error.code}: ${message})`
  }
  // `@instantdb/admin` uses fetch: "fetch failed", with the socket's error as cause.
  if (error instanceof TypeError && message === 'fetch failed') {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
    const detail = typeof cause?.code === 'string' ? cause.code : String(cause?.message ?? '')
    return `it failed for another reason: network (fetch failed${detail ? `: ${detail}` : ''})`
  }
  return `it failed for another reason: ${typeof code === 'string' ? `${code}: ` : ''}${message}`
}

/** For a transaction that went through: its tx-id, so the message says what happened. */
function resultHint(value: unknown): string {
  const txId = (value as { 'tx-id'?: unknown } | null)?.['tx-id']
  return typeof txId === 'number' ? ` (tx-id ${txId})` : ''
}
