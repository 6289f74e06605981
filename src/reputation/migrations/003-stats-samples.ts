import type { Migration } from './index.ts'

/**
 * The Activity chart's history: one row per sample (the server samples once a second), so the
 * chart shows at least the last 24 hours and survives a restart. Old rows are pruned by the store.
 */
export const migration003: Migration = {
  version: 3,
  name: 'stats-samples',
  up: `
    CREATE TABLE stats_samples (
      at              INTEGER PRIMARY KEY,   -- ms since epoch
      download_speed  REAL NOT NULL,         -- bytes per second
      upload_speed    REAL NOT NULL,
      hash_failures   INTEGER NOT NULL
    ) STRICT;
  `,
}
