/**
 * An app user, as Instant's auth endpoints return it (same fields as `@instantdb/admin`'s
 * `User`, no index signature, so `Omit<User, 'refresh_token'>` keeps its keys). Instant also
 * returns `app_id`, `created_at` and custom `$users` attributes, which the type does not list.
 *
 * `refresh_token` is a long-lived credential: do not log it or send it back in a response.
 */
export type User = {
  id: string
  refresh_token: string
  email?: string | null | undefined
  imageURL?: string | null | undefined
  type?: 'user' | 'guest' | undefined
  isGuest: boolean
}

/** Which user an auth call is about: by email, by id, or by one of their refresh tokens. */
export type UserLookup = { email: string } | { id: string } | { refresh_token: string }

/** Per-call request options of every auth method. */
export type RequestOptions = {
  /** Aborts the request; the call then rejects with `InstantTransportError` `INSTANT_ABORTED`. */
  signal?: AbortSignal | undefined
  /**
   * A deadline for the whole call, in ms (queueing, connecting and reading included): past it
   * the request is cancelled and the call rejects with `InstantTransportError` `INSTANT_TIMEOUT`.
   * Cheaper than an `AbortSignal` for the same purpose. Default: only the client's timeouts.
   */
  timeoutMs?: number | undefined
}
