import type { DatabaseSync } from 'node:sqlite'
import { banPlacement } from '../ban-index.ts'
import type { Migration } from './index.ts'

/**
 * Every ban as an interval on the one number line of addresses, so the store looks bans up by
 * index instead of loading every active ban when it opens: `range_first` and `range_last` are the
 * ordinals (src/reputation/ip.ts) as 16-byte big-endian BLOBs, which SQLite compares bytewise, that
 * is in numeric order; `span_class` is the bit length of last − first (ban-index.ts `spanClass`).
 * NULL in all three for a ban whose address is not an address (it never matches a lookup). Only
 * bans not lifted are indexed: lifts are final, and the history stays for `priorBans`. The second
 * index lists active bans oldest first without a sort (`bans list`, `bans export`).
 */
export const migration006: Migration = {
  version: 6,
  name: 'ban-intervals',
  up: `
    ALTER TABLE bans ADD COLUMN range_first BLOB;
    ALTER TABLE bans ADD COLUMN range_last BLOB;
    ALTER TABLE bans ADD COLUMN span_class INTEGER;
    CREATE INDEX bans_span ON bans (span_class, range_first) WHERE lifted_at IS NULL;
    CREATE INDEX bans_created ON bans (created_at) WHERE lifted_at IS NULL;
  `,
  fill(db: DatabaseSync): void {
    const place = db.prepare('UPDATE bans SET range_first = ?, range_last = ?, span_class = ? WHERE id = ?')
    const rows = db.prepare('SELECT id, address, range_end FROM bans').all() as {
      id: number
      address: string
      range_end: string | null
    }[]
    for (const row of rows) {
      const placement = banPlacement({ address: row.address, rangeEnd: row.range_end })
      if (placement) place.run(placement.rangeFirst, placement.rangeLast, placement.spanClass, row.id)
    }
  },
}
