import { randomUUID } from 'node:crypto'

/**
 * A new random entity id (UUID v4), like `@instantdb/admin`'s `id()`.
 *
 * @example
 * ```ts
 * await db.transact(db.tx.goals[id()].update({ title: 'Get fit' }))
 * ```
 */
export function id(): string {
  return randomUUID()
}
