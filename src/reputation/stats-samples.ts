/**
 * The speed and hash-failure samples in HOME/vouch.db (migration 003). Reading 24 hours returns
 * one point per minute for the older part and every sample for the last minutes, so the chart's
 * payload stays small (about 1,700 points) however long the history.
 */
import type { DatabaseSync } from 'node:sqlite'

export interface Sample {
  at: number
  downloadSpeed: number
  uploadSpeed: number
  hashFailures: number
}

/** Samples older than this are deleted as new ones are written. */
export const KEEP_SAMPLES_MS = 7 * 24 * 3600_000
const MINUTE = 60_000

export class SampleTable {
  readonly #db: DatabaseSync

  constructor(db: DatabaseSync) {
    this.#db = db
  }

  record(sample: Sample): void {
    this.#db
      .prepare(
        'INSERT OR REPLACE INTO stats_samples (at, download_speed, upload_speed, hash_failures) VALUES (?, ?, ?, ?)',
      )
      .run(sample.at, sample.downloadSpeed, sample.uploadSpeed, sample.hashFailures)
    // Once a minute is enough; the index on `at` makes it cheap.
    if (sample.at % MINUTE < 1000)
      this.#db.prepare('DELETE FROM stats_samples WHERE at < ?').run(sample.at - KEEP_SAMPLES_MS)
  }

  /** From `since`: per-minute averages (failures summed) before `fullFrom`, every sample after. */
  read(since: number, fullFrom: number): Sample[] {
    const older = this.#db
      .prepare(
        `SELECT (at / ${MINUTE}) * ${MINUTE} AS at, AVG(download_speed) AS downloadSpeed, AVG(upload_speed) AS uploadSpeed,
                SUM(hash_failures) AS hashFailures
         FROM stats_samples WHERE at >= ? AND at < ? GROUP BY at / ${MINUTE} ORDER BY at`,
      )
      .all(since, fullFrom) as unknown as Sample[]
    const recent = this.#db
      .prepare(
        `SELECT at, download_speed AS downloadSpeed, upload_speed AS uploadSpeed, hash_failures AS hashFailures
         FROM stats_samples WHERE at >= ? ORDER BY at`,
      )
      .all(Math.max(since, fullFrom)) as unknown as Sample[]
    return [...older, ...recent].map((row) => ({
      at: Number(row.at),
      downloadSpeed: Number(row.downloadSpeed),
      uploadSpeed: Number(row.uploadSpeed),
      hashFailures: Number(row.hashFailures),
    }))
  }
}
