/**
 * The `users` table as the auth side uses it: lookups, inserts, guest upgrades, and the signup
 * checks (`extra-fields` and the `$users.allow.create` rule) that run before a user is created.
 */
import type { Database } from 'better-sqlite3'
import type { DataEngine } from '../data/index.js'
import { validationFailed } from '../errors.js'
import { toDbUser, type DbUser, type UserRow } from '../users.js'

export interface UserRecords {
  byId(id: string): UserRow | undefined
  byEmail(email: string): UserRow | undefined
  byTokenHash(hash: string): UserRow | undefined
  toDbUser(row: UserRow): DbUser
  create(id: string, email: string | null, type: string | null, extra: object): void
  /** A guest becomes a real user: it keeps its id (and created_at). */
  upgrade(id: string, email: string, extra: object): void
  setExtra(id: string, extra: object): void
  /** The custom attributes stored with a row. */
  extraOf(id: string): Record<string, unknown>
  /** `extra-fields`: an object whose keys are custom `$users` attributes (data engine checks). */
  checkExtraFields(extraFields: unknown): Record<string, unknown>
  /** `assert-signup!`: fields always, the `$users` create rule unless `admin`. */
  checkSignup(
    user: { id: string; email?: string },
    extraFields: unknown,
    admin: boolean,
  ): Record<string, unknown>
}

export function createUserRecords(
  db: Database,
  appId: string,
  signup: Pick<DataEngine, 'checkUserFields' | 'checkSignup'>,
  now: () => number,
): UserRecords {
  const st = {
    byId: db.prepare('SELECT * FROM users WHERE id = ?'),
    byEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
    byTokenHash: db.prepare(
      'SELECT u.* FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?',
    ),
    insert: db.prepare(
      'INSERT INTO users (id, email, type, created_at, extra) VALUES (?, ?, ?, ?, ?)',
    ),
    upgrade: db.prepare('UPDATE users SET email = ?, type = ?, extra = ? WHERE id = ?'),
    setExtra: db.prepare('UPDATE users SET extra = ? WHERE id = ?'),
  }

  function checkExtraFields(extraFields: unknown): Record<string, unknown> {
    if (extraFields === undefined || extraFields === null) return {}
    if (typeof extraFields !== 'object' || Array.isArray(extraFields)) {
      throw validationFailed('extra-fields', extraFields, [
        { message: 'extra-fields must be an object' },
      ])
    }
    const fields = extraFields as Record<string, unknown>
    signup.checkUserFields(fields)
    return fields
  }

  return {
    byId: (id) => st.byId.get(id) as UserRow | undefined,
    byEmail: (email) => st.byEmail.get(email) as UserRow | undefined,
    byTokenHash: (hash) => st.byTokenHash.get(hash) as UserRow | undefined,
    toDbUser: (row) => toDbUser(row, appId),
    create(id, email, type, extra) {
      st.insert.run(id, email, type, now(), JSON.stringify(extra))
    },
    upgrade(id, email, extra) {
      st.upgrade.run(email, 'user', JSON.stringify(extra), id)
    },
    setExtra(id, extra) {
      st.setExtra.run(JSON.stringify(extra), id)
    },
    extraOf(id) {
      const row = st.byId.get(id) as UserRow
      return JSON.parse(row.extra) as Record<string, unknown>
    },
    checkExtraFields,
    checkSignup(user, extraFields, admin) {
      const extra = checkExtraFields(extraFields)
      const hasExtra = Object.keys(extra).length > 0
      if (!admin) signup.checkSignup({ ...user, ...extra, id: user.id }, hasExtra)
      return extra
    },
  }
}
