import type { Migration } from './index.ts'

/**
 * What the ban rules (src/rules) and followed ban reports need kept: the evidence of a rule's ban
 * (JSON RuleEvidence; the `evidence` column stays the block evidence of hash bans); bans whose
 * source is a followed report, `feed:<name> <fingerprint>` (SQLite cannot change a CHECK, so the
 * table is rebuilt, rows and ids kept); and per address and torrent the
 * counters the rules judge, so `vouch rules test` can replay them. Counters are the highest seen
 * (MAX on upsert) except bytes_up, which adds.
 */
export const migration003: Migration = {
  version: 3,
  name: 'rules',
  up: `
    CREATE TABLE bans_rebuilt (
      id            INTEGER PRIMARY KEY,
      address       TEXT NOT NULL,
      range_end     TEXT,
      reason        TEXT NOT NULL,
      source        TEXT NOT NULL
                    CHECK (source IN ('automatic', 'manual', 'imported') OR source LIKE 'feed:%'),
      evidence      TEXT,
      note          TEXT NOT NULL DEFAULT '',
      created_at    INTEGER NOT NULL,
      expires_at    INTEGER,
      lifted_at     INTEGER,
      rule_evidence TEXT                            -- JSON RuleEvidence or NULL
    ) STRICT;
    INSERT INTO bans_rebuilt (id, address, range_end, reason, source, evidence, note, created_at, expires_at, lifted_at)
      SELECT id, address, range_end, reason, source, evidence, note, created_at, expires_at, lifted_at FROM bans;
    DROP TABLE bans;
    ALTER TABLE bans_rebuilt RENAME TO bans;
    CREATE INDEX bans_address ON bans (address);
    CREATE INDEX bans_active ON bans (lifted_at, expires_at);

    CREATE TABLE peer_observations (
      address           TEXT NOT NULL,             -- address key
      info_hash         TEXT NOT NULL,
      peer_ids          TEXT NOT NULL DEFAULT '[]',  -- JSON array of peer IDs as text, capped
      clients           TEXT NOT NULL DEFAULT '[]',  -- JSON array of client names, capped
      torrent_length    INTEGER NOT NULL,
      piece_length      INTEGER NOT NULL,
      bytes_up          INTEGER NOT NULL DEFAULT 0,  -- we uploaded to it, for this torrent
      distinct_peer_ids INTEGER NOT NULL DEFAULT 0,
      requests          INTEGER NOT NULL DEFAULT 0,
      ahead_pieces      INTEGER NOT NULL DEFAULT 0,
      claimed_requests  INTEGER NOT NULL DEFAULT 0,
      rewind_pieces     INTEGER NOT NULL DEFAULT 0,
      group_connections INTEGER NOT NULL DEFAULT 0,
      idle_ms           INTEGER NOT NULL DEFAULT 0,
      first_seen        INTEGER NOT NULL,            -- ms since epoch
      last_seen         INTEGER NOT NULL,
      PRIMARY KEY (address, info_hash)
    ) STRICT;
  `,
}
