/**
 * SQL migrations of the data engine's tables, appended after the auth tables' migrations by
 * src/local/store.ts. Append only: each entry is one schema version.
 */
export const DATA_MIGRATIONS: readonly string[] = []
