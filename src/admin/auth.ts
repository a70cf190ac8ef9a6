import { adminTokenRequiredError } from '../errors/admin-token-required.js'
import { InstantTransportError } from './errors.js'
import type { RequestOptions, User, UserLookup } from './user.js'
import type { Transport } from './transport.js'
import type { SchemaLike, UpdateParams } from './schema-types.js'

/** The SDK's messages for a call that needs `adminToken`, so code matching on them keeps working. */
export const ADMIN_TOKEN_REQUIRED =
  'Admin token required. To run this operation pass `adminToken` to `init`, or use `db.asUser`.'
export const ADMIN_TOKEN_REQUIRED_AS_EMAIL =
  'Admin token required. To impersonate users with an email you must pass `adminToken` to `init`.'

/**
 * `db.auth`: Instant's admin auth endpoints. Same names, arguments and results as
 * `@instantdb/admin`; every method also takes a trailing `{ signal, timeoutMs }`. All but `verifyToken`
 * need `adminToken`. `asUser` scopes share this object: auth calls always run as admin.
 */
export type InstantAdminAuth<S extends SchemaLike | undefined = undefined> = {
  /**
   * A new refresh token for the user, **creating the user if missing**. Check the caller's
   * credentials first. A bare email string is accepted (deprecated in the SDK).
   *
   * @example
   * ```ts
   * const token = await db.auth.createToken({ email })
   * ```
   */
  createToken(
    input: { email: string } | { id: string } | string,
    options?: RequestOptions,
  ): Promise<string>
  /**
   * A magic code for `email` without sending it (deliver it with your own email provider).
   * Instant does not rate-limit this call.
   *
   * @example
   * ```ts
   * const { code } = await db.auth.generateMagicCode('alyssa@example.com')
   * ```
   */
  generateMagicCode(email: string, options?: RequestOptions): Promise<{ code: string }>
  /**
   * Has Instant email a magic code to `email` (rate-limited by Instant: 429 when over).
   *
   * @example
   * ```ts
   * await db.auth.sendMagicCode('alyssa@example.com')
   * ```
   */
  sendMagicCode(email: string, options?: RequestOptions): Promise<{ code: string }>
  /**
   * Checks a magic code; creates the user on first sign-in. Throws `InstantAPIError` 400
   * (`record-not-found` or `record-expired`) for a wrong or expired code.
   *
   * @example
   * ```ts
   * const { user, created } = await db.auth.checkMagicCode(email, code)
   * ```
   */
  checkMagicCode(
    email: string,
    code: string,
    params?: { extraFields?: UpdateParams<S, '$users'> },
    options?: RequestOptions,
  ): Promise<{ user: User; created: boolean }>
  /**
   * Deprecated in the SDK in favour of {@link InstantAdminAuth.checkMagicCode}; returns the user.
   *
   * @example
   * ```ts
   * const user = await db.auth.verifyMagicCode(email, code)
   * ```
   */
  verifyMagicCode(email: string, code: string, options?: RequestOptions): Promise<User>
  /**
   * The user a refresh token belongs to. **Throws** `InstantAPIError` 400 `record-not-found`
   * for an unknown or signed-out token (it never returns null). Needs no admin token.
   *
   * @example
   * ```ts
   * const user = await db.auth.verifyToken(req.get('token')!)
   * ```
   */
  verifyToken(token: string, options?: RequestOptions): Promise<User>
  /**
   * The user (without `refresh_token`) or `null` when none matches.
   *
   * @example
   * ```ts
   * const user = await db.auth.getUser({ email: 'alyssa@example.com' })
   * ```
   */
  getUser(params: UserLookup, options?: RequestOptions): Promise<Omit<User, 'refresh_token'> | null>
  /**
   * Deletes the user (not their data); resolves to the deleted user or `null`.
   *
   * @example
   * ```ts
   * const deleted = await db.auth.deleteUser({ id: userId })
   * ```
   */
  deleteUser(params: UserLookup, options?: RequestOptions): Promise<User | null>
  /**
   * Signs out: by `email` or `id`, every token of the user; by `refresh_token`, that one token.
   *
   * @example
   * ```ts
   * await db.auth.signOut({ refresh_token: token })
   * ```
   */
  signOut(params: UserLookup | string, options?: RequestOptions): Promise<void>
}

type AuthContext = {
  transport: Transport
  /** Largest answer an auth call reads, in bytes. */
  maxBytes: number
  basePath: string
  appId: string
  hasAdminToken: boolean
  adminHeaders: Readonly<Record<string, string>>
  publicHeaders: Readonly<Record<string, string>>
}

type Json = { [key: string]: unknown }

/** Builds `db.auth` once per client; paths and headers are computed here, not per call. */
export function createAuth<S extends SchemaLike | undefined>(
  ctx: AuthContext,
): InstantAdminAuth<S> {
  const { transport, adminHeaders, publicHeaders, hasAdminToken, maxBytes } = ctx
  const query = `?app_id=${ctx.appId}`
  const paths = {
    refreshTokens: `${ctx.basePath}/admin/refresh_tokens${query}`,
    magicCode: `${ctx.basePath}/admin/magic_code${query}`,
    sendMagicCode: `${ctx.basePath}/admin/send_magic_code${query}`,
    verifyMagicCode: `${ctx.basePath}/admin/verify_magic_code${query}`,
    verifyToken: `${ctx.basePath}/runtime/auth/verify_refresh_token${query}`,
    users: `${ctx.basePath}/admin/users${query}&`,
    signOut: `${ctx.basePath}/admin/sign_out${query}`,
  }

  async function admin(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: string | undefined,
    options: RequestOptions | undefined,
  ): Promise<Json> {
    if (!hasAdminToken) throw adminTokenRequiredError(ADMIN_TOKEN_REQUIRED)
    return (await transport.send(method, path, adminHeaders, body, options, maxBytes)) as Json
  }

  function usersPath(params: UserLookup): string {
    return paths.users + new URLSearchParams(Object.entries(params)).toString()
  }

  return {
    createToken: async (input, options) => {
      const body = typeof input === 'string' ? { email: input } : input
      const res = await admin('POST', paths.refreshTokens, JSON.stringify(body), options)
      const token = (res.user as Json | undefined)?.refresh_token
      if (typeof token !== 'string') {
        throw new InstantTransportError(
          'INSTANT_BAD_RESPONSE',
          `Instant answered 200 without user.refresh_token (POST ${ctx.basePath}/admin/refresh_tokens)`,
        )
      }
      return token
    },
    generateMagicCode: async (email, options) =>
      (await admin('POST', paths.magicCode, JSON.stringify({ email }), options)) as {
        code: string
      },
    sendMagicCode: async (email, options) =>
      (await admin('POST', paths.sendMagicCode, JSON.stringify({ email }), options)) as {
        code: string
      },
    checkMagicCode: async (email, code, params, options) => {
      const extraFields = params?.extraFields
      const body = extraFields ? { email, code, 'extra-fields': extraFields } : { email, code }
      const res = await admin('POST', paths.verifyMagicCode, JSON.stringify(body), options)
      return { user: res.user as User, created: res.created as boolean }
    },
    verifyMagicCode: async (email, code, options) => {
      const res = await admin(
        'POST',
        paths.verifyMagicCode,
        JSON.stringify({ email, code }),
        options,
      )
      return res.user as User
    },
    verifyToken: async (token, options) => {
      const body = JSON.stringify({ 'app-id': ctx.appId, 'refresh-token': token })
      const res = (await transport.send(
        'POST',
        paths.verifyToken,
        publicHeaders,
        body,
        options,
        maxBytes,
      )) as Json
      // A 200 without a user is not Instant's answer (a proxy, a stub): never "no such user".
      if (typeof res?.user !== 'object' || res.user === null) {
        throw new InstantTransportError(
          'INSTANT_BAD_RESPONSE',
          `Instant answered 200 without a user (POST ${paths.verifyToken.split('?')[0]})`,
        )
      }
      return res.user as User
    },
    getUser: async (params, options) => {
      const res = await admin('GET', usersPath(params), undefined, options)
      return res.user as Omit<User, 'refresh_token'> | null
    },
    deleteUser: async (params, options) => {
      const res = await admin('DELETE', usersPath(params), undefined, options)
      return res.deleted as User | null
    },
    signOut: async (params, options) => {
      const body = typeof params === 'string' ? { email: params } : params
      await admin('POST', paths.signOut, JSON.stringify(body), options)
    },
  }
}
