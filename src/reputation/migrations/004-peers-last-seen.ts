import type { Migration } from './index.ts'

/**
 * An index on peers.last_seen, so `vouch peers` (most recently seen first) reads rows in index
 * order and prints its first line at once, instead of sorting every peer before the first row.
 */
export const migration004: Migration = {
  version: 4,
  name: 'peers-last-seen',
  up: `CREATE INDEX peers_last_seen ON peers (last_seen);`,
}
