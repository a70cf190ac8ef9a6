/**
 * `initializeTestEnvironment`: a fresh in-memory Local Instant with the project's schema and
 * rules, an admin client, and one client per identity, for rules tests and endpoint tests.
 */
import { init, type InstantAdminDatabase, type SchemaLike, type User } from '../admin/index.js'
import { startLocalInstant, type LocalInstant, type Mailbox } from '../local/index.js'
import { applyFromFile, loadRulesFile, loadSchemaFile } from '../local/project/index.js'
import { writeRuleCoverageReport, type RuleCoverage, type RuleCoverageFiles } from './coverage.js'
import {
  resolveTestEnvironmentOptions,
  type TestEnvironmentConfig,
  type TestEnvironmentOptions,
} from './options.js'

/** A signed-in user (or guest) and a client that acts as them, rules applied. */
export interface AuthenticatedContext<S extends SchemaLike | undefined = undefined> {
  /** The `$users` row, with its `refresh_token`. */
  user: User
  /** The user's refresh token (what a browser sends as the `token` header). */
  token: string
  /** `env.db.asUser({ token })`. */
  db: InstantAdminDatabase<S>
}

/** A client with no user at all: `auth.id == null` in the rules. */
export interface UnauthenticatedContext<S extends SchemaLike | undefined = undefined> {
  /** `env.db.asUser({ guest: true })`. */
  db: InstantAdminDatabase<S>
}

/** Who {@link InstantTestEnvironment.authenticatedContext} signs in. */
export type TestUser = { email: string } | { id: string }

/** A running test environment: see {@link initializeTestEnvironment}. */
export interface InstantTestEnvironment<S extends SchemaLike | undefined = undefined> {
  /** This kit's admin client (`instant-express-auth/admin`), with admin rights: rules do not apply. */
  readonly db: InstantAdminDatabase<S>
  readonly appId: string
  /** A development credential of this environment only. */
  readonly adminToken: string
  /** Base URL, for `init({ apiURI })` and for the app under test. */
  readonly apiURI: string
  /** The magic codes "sent" by the app under test. */
  readonly mailbox: Mailbox
  /** The schema file loaded, if any (absolute path). */
  readonly schemaFile: string | undefined
  /** The rules file loaded, if any (absolute path). */
  readonly rulesFile: string | undefined
  /**
   * A signed-in user, created when missing, and a client acting as them.
   *
   * @example
   * ```ts
   * const alice = await env.authenticatedContext({ email: 'alice@example.com' })
   * await assertSucceeds(alice.db.transact(alice.db.tx.todos[id()].update({ title: 'milk' })))
   * ```
   */
  authenticatedContext(who: TestUser): Promise<AuthenticatedContext<S>>
  /** A new guest user (`type: 'guest'`) and a client acting as them. */
  guestContext(): Promise<AuthenticatedContext<S>>
  /** A client with no user: `auth.id == null`. */
  unauthenticatedContext(): UnauthenticatedContext<S>
  /**
   * Runs `fn` with the admin client, which no rule stops: for seeding.
   *
   * @example
   * ```ts
   * await env.withRulesDisabled((db) => db.transact(db.tx.todos[todoId].update({ title: 'milk' })))
   * ```
   */
  withRulesDisabled<T>(fn: (db: InstantAdminDatabase<S>) => T | Promise<T>): Promise<T>
  /** Replaces the rules (Instant's format; `{}` allows everything). Throws naming a bad rule. */
  setRules(rules: object): void
  /** Applies a schema; attributes it lacks are kept. */
  setSchema(schema: object): void
  /**
   * Removes every entity, user, refresh token and magic code (and empties the mailbox); keeps the
   * schema, the attributes and the rules. Quick enough for `beforeEach`.
   */
  clearData(): Promise<void>
  /** One row per rule in force, never-evaluated ones included with zeros. */
  ruleCoverage(): RuleCoverage[]
  /**
   * Writes {@link InstantTestEnvironment.ruleCoverage} to `file` as JSON, and beside it as HTML
   * (`rules.json` → `rules.html`). Resolves to both paths.
   */
  writeRuleCoverage(file: string): Promise<RuleCoverageFiles>
  /** Closes the clients and stops Local Instant (the data is gone). */
  cleanup(): Promise<void>
}

/**
 * Starts a fresh in-memory Local Instant for tests. Without `schema`/`rules` it loads the
 * project's `instant.schema.ts` and `instant.perms.ts` where Instant's CLI finds them (the
 * working directory, then `src/`, `lib/`, `app/`; `INSTANT_SCHEMA_FILE_PATH` /
 * `INSTANT_PERMS_FILE_PATH`). TypeScript loads on Node 20 too, with `jiti` installed
 * (`npm install --save-dev jiti@^2.7.0`). Rate limits are off. Works under any test runner.
 *
 * @example
 * ```ts
 * import { initializeTestEnvironment, assertFails } from 'instant-express-auth/testing'
 * const env = await initializeTestEnvironment()
 * const bob = await env.authenticatedContext({ email: 'bob@example.com' })
 * await assertFails(bob.db.transact(bob.db.tx.todos[todoId].delete()))
 * await env.cleanup()
 * ```
 */
export async function initializeTestEnvironment<S extends SchemaLike | undefined = undefined>(
  options: TestEnvironmentOptions<S> = {},
): Promise<InstantTestEnvironment<S>> {
  const config = resolveTestEnvironmentOptions(options)
  const { schema, rules } = await loadConfigFiles(config)
  const local = await startLocalInstant({
    logger: config.logger,
    ...(config.backup === undefined ? {} : { backup: config.backup }),
    // A test suite signs in many times a second from one address.
    magicCodeSendsPerHour: Infinity,
    magicCodeVerifiesPerHour: Infinity,
    magicCodeVerifiesPerDay: Infinity,
    guestSignInsPerHour: Infinity,
  })
  try {
    if (schema !== undefined) {
      applyOrName(config.schemaFile, () => local.setSchema(schema))
    }
    if (rules !== undefined) applyOrName(config.rulesFile, () => local.setRules(rules))
  } catch (error) {
    await local.close()
    throw error
  }
  return createEnvironment<S>(local, config, schema)
}

async function loadConfigFiles(
  config: TestEnvironmentConfig,
): Promise<{ schema: object | undefined; rules: object | undefined }> {
  const schema =
    config.schemaFile === undefined
      ? config.schema
      : await loadSchemaFile(config.schemaFile, config.projectDir)
  const rules =
    config.rulesFile === undefined
      ? config.rules
      : await loadRulesFile(config.rulesFile, config.projectDir)
  return { schema, rules }
}

function applyOrName(file: string | undefined, apply: () => void): void {
  if (file === undefined) apply()
  else applyFromFile(file, apply)
}

function createEnvironment<S extends SchemaLike | undefined>(
  local: LocalInstant,
  config: TestEnvironmentConfig,
  schema: object | undefined,
): InstantTestEnvironment<S> {
  const { appId, adminToken, apiURI } = local
  const db = init({
    appId,
    adminToken,
    apiURI,
    ...(schema === undefined ? {} : { schema: schema as SchemaLike }),
  }) as unknown as InstantAdminDatabase<S>

  /** An admin auth call whose whole answer the kit's client does not return. */
  async function adminPost(path: string, body: unknown): Promise<{ user: User }> {
    const res = await fetch(`${apiURI}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'app-id': appId,
        authorization: `Bearer ${adminToken}`,
      },
      body: JSON.stringify(body),
    })
    const json = (await res.json()) as { user?: User; message?: string; type?: string }
    if (!res.ok || json.user === undefined) {
      throw new Error(
        `Local Instant answered ${res.status} to POST ${path}: ${json.type ?? ''} ${json.message ?? ''}`.trim(),
      )
    }
    return { user: json.user }
  }

  const contextOf = (user: User): AuthenticatedContext<S> => {
    const token = user.refresh_token
    if (typeof token !== 'string') throw new Error('Local Instant answered a user without a token')
    return { user, token, db: db.asUser({ token }) }
  }

  let closed: Promise<void> | undefined
  return {
    db,
    appId,
    adminToken,
    apiURI,
    mailbox: local.mailbox,
    schemaFile: config.schemaFile,
    rulesFile: config.rulesFile,
    async authenticatedContext(who) {
      const email = (who as { email?: unknown } | null)?.email
      const id = (who as { id?: unknown } | null)?.id
      if ((typeof email === 'string') === (typeof id === 'string')) {
        throw new TypeError(
          'authenticatedContext() takes { email } or { id }, e.g. authenticatedContext({ email: "alice@example.com" })',
        )
      }
      const { user } = await adminPost(
        '/admin/refresh_tokens',
        typeof email === 'string' ? { email } : { id },
      )
      return contextOf(user)
    },
    async guestContext() {
      const { user } = await adminPost('/admin/sign_in_guest', {})
      return contextOf(user)
    },
    unauthenticatedContext: () => ({ db: db.asUser({ guest: true }) }),
    async withRulesDisabled(fn) {
      return fn(db)
    },
    setRules: (next) => local.setRules(next),
    setSchema: (next) => local.setSchema(next),
    async clearData() {
      local.clearData()
    },
    ruleCoverage: () => local.ruleCoverage(),
    writeRuleCoverage: (file) => writeRuleCoverageReport(local.ruleCoverage(), file),
    cleanup() {
      closed ??= (async () => {
        await db.close()
        await local.close()
      })()
      return closed
    },
  }
}
