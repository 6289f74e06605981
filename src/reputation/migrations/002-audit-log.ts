import type { Migration } from './index.ts'

/**
 * The append-only, hash-chained audit log (docs/formats.md, "Audit log"), and a key-value table
 * that holds the chain's head. Triggers refuse UPDATE and DELETE so no code path can rewrite
 * history by accident; `vouch audit verify` catches anyone who goes around them.
 */
export const migration002: Migration = {
  version: 2,
  name: 'audit-log',
  up: `
    CREATE TABLE audit (
      seq        INTEGER PRIMARY KEY,
      at         INTEGER NOT NULL,   -- ms since epoch
      type       TEXT NOT NULL,
      subject    TEXT NOT NULL,
      details    TEXT NOT NULL,      -- canonical JSON
      prev_hash  TEXT NOT NULL,
      hash       TEXT NOT NULL
    ) STRICT;
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

    CREATE TABLE meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;
  `,
}
