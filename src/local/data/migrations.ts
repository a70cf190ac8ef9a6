/**
 * The data engine's tables: one schema version, listed in src/local/database.ts's `MIGRATIONS`
 * (which orders every version of the file, auth and data alike). A later change to these tables
 * is a new migration appended there, never an edit here.
 *
 * Layout (an EAV store, like Instant's triples table):
 * - `data_attrs`: one row per attribute or link, its definition as JSON (see attrs.ts).
 * - `data_entities`: one row per entity; `created_at` is `$serverCreatedAt` (ms).
 * - `data_triples`: one row per (entity, data attribute), the value as JSON text. The index on
 *   (ns, attr, value) makes equality `where` clauses and unique lookups index seeks.
 * - `data_links`: one row per link between two entities, indexed from both ends.
 * - `data_meta`: counters (the last tx-id).
 * `$users` entities are not here: they live in the auth side's `users` table.
 */
export const DATA_TABLES = `
  CREATE TABLE data_attrs (
    id TEXT PRIMARY KEY,
    ns TEXT NOT NULL,
    label TEXT NOT NULL,
    def TEXT NOT NULL,
    UNIQUE (ns, label)
  );
  CREATE TABLE data_entities (
    ns TEXT NOT NULL,
    id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (ns, id)
  );
  CREATE TABLE data_triples (
    ns TEXT NOT NULL,
    eid TEXT NOT NULL,
    attr TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (ns, eid, attr),
    FOREIGN KEY (ns, eid) REFERENCES data_entities (ns, id) ON DELETE CASCADE
  );
  CREATE INDEX data_triples_by_value ON data_triples (ns, attr, value);
  CREATE TABLE data_links (
    attr_id TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (attr_id, source, target)
  );
  CREATE INDEX data_links_by_target ON data_links (attr_id, target);
  CREATE TABLE data_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  INSERT INTO data_meta (key, value) VALUES ('tx_id', 0);
  `
