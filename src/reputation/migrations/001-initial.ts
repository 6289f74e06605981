import type { Migration } from './index.ts'

/**
 * Peers and bans. A peer is keyed by host (IPv4 address or IPv6 /64, see src/defence/address.ts),
 * never by peer ID: one host with many peer IDs is one record. Bans are never deleted; a lift sets
 * `lifted_at`, so `priorBans` can count history for escalation.
 */
export const migration001: Migration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE peers (
      address     TEXT PRIMARY KEY,
      peer_ids    TEXT NOT NULL DEFAULT '[]',  -- JSON array, newest last, capped
      clients     TEXT NOT NULL DEFAULT '[]',  -- JSON array of client names from extended handshakes
      first_seen  INTEGER NOT NULL,            -- ms since epoch
      last_seen   INTEGER NOT NULL,
      bytes_up    INTEGER NOT NULL DEFAULT 0,  -- we sent to them
      bytes_down  INTEGER NOT NULL DEFAULT 0,  -- they sent to us, good and bad
      bytes_bad   INTEGER NOT NULL DEFAULT 0,  -- of bytes_down, in blocks that failed
      pieces_good INTEGER NOT NULL DEFAULT 0,
      pieces_bad  INTEGER NOT NULL DEFAULT 0,
      strikes     INTEGER NOT NULL DEFAULT 0,
      score       REAL NOT NULL DEFAULT 0,     -- as of score_at; decays with time
      score_at    INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE bans (
      id          INTEGER PRIMARY KEY,
      address     TEXT NOT NULL,               -- address key, or the first address of a range
      range_end   TEXT,                        -- last address of a range; NULL for a single key
      reason      TEXT NOT NULL,
      source      TEXT NOT NULL CHECK (source IN ('automatic', 'manual', 'imported')),
      evidence    TEXT,                        -- JSON BanEvidence or NULL
      note        TEXT NOT NULL DEFAULT '',
      created_at  INTEGER NOT NULL,
      expires_at  INTEGER,                     -- NULL = permanent
      lifted_at   INTEGER                      -- NULL = not lifted
    ) STRICT;
    CREATE INDEX bans_address ON bans (address);
    CREATE INDEX bans_active ON bans (lifted_at, expires_at);
  `,
}
