/**
 * Users as stored (`users` table) and as Instant returns them ("db format", contract §7.1).
 * Shared with the data engine, which reads `$users` from the same table.
 */

/** A user in Instant's "db format" (contract §7.1), without `refresh_token`. */
export interface DbUser {
  app_id: string
  id: string
  email?: string
  type?: string
  created_at: string
  isGuest: boolean
  [attr: string]: unknown
}

/** A row of the `users` table. */
export interface UserRow {
  id: string
  email: string | null
  type: string | null
  /** ms since epoch */
  created_at: number
  /** JSON object of custom `$users` attributes (and `linkedPrimaryUser` for linked guests). */
  extra: string
}

/**
 * Instant's JSON encoder (Cheshire) writes dates as `yyyy-MM-dd'T'HH:mm:ss'Z'` in UTC, without
 * milliseconds; `created_at` is a `java.util.Date`, so it goes out in that format.
 */
function formatCreatedAt(ms: number): string {
  const iso = new Date(ms).toISOString()
  return iso.slice(0, 19) + 'Z'
}

/**
 * The db-format user for a `users` row: `app_id`, `id`, `email`/`type` when set, custom
 * attributes, `created_at` and the computed `isGuest`. Never carries `refresh_token`.
 *
 * @example toDbUser(row, appId) // { app_id, id, email: 'a@b.co', type: 'user', created_at: '2026-01-02T03:04:05Z', isGuest: false }
 */
export function toDbUser(row: UserRow, appId: string): DbUser {
  const user: DbUser = { app_id: appId, id: row.id, created_at: '', isGuest: false }
  if (row.extra !== '{}') {
    const extra = JSON.parse(row.extra) as Record<string, unknown>
    for (const key of Object.keys(extra)) {
      if (!SYSTEM_KEYS.has(key)) user[key] = extra[key]
    }
  }
  if (row.email !== null) user.email = row.email
  if (row.type !== null) user.type = row.type
  user.created_at = formatCreatedAt(row.created_at)
  user.isGuest = row.type === 'guest'
  return user
}

/** Keys a custom attribute may never shadow. */
const SYSTEM_KEYS: ReadonlySet<string> = new Set([
  'app_id',
  'id',
  'email',
  'type',
  'created_at',
  'isGuest',
  'refresh_token',
])
