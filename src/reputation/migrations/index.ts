/**
 * Numbered schema migrations, applied in order inside one transaction each; `PRAGMA user_version`
 * holds the version reached. Never edit a released migration: add the next number.
 */
import type { DatabaseSync } from 'node:sqlite'
import { VouchError } from '../../errors.ts'
import { migration001 } from './001-initial.ts'
import { migration002 } from './002-audit-log.ts'
import { migration003 } from './003-rules.ts'
import { migration004 } from './004-peers-last-seen.ts'
import { migration005 } from './005-stats-samples.ts'
import { migration006 } from './006-ban-intervals.ts'

export interface Migration {
  version: number
  name: string
  /** SQL run as one script. */
  up: string
  /** Run after `up` in the same transaction, for values SQL cannot compute (parsing addresses). */
  fill?: (db: DatabaseSync) => void
}

export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
]
export const LATEST_VERSION = MIGRATIONS.length

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number } | undefined
  return row?.user_version ?? 0
}

/** Bring the schema to `target` (default: latest). Returns the versions applied. */
export function migrate(db: DatabaseSync, target: number = LATEST_VERSION): number[] {
  const current = schemaVersion(db)
  if (current > LATEST_VERSION) {
    throw new VouchError(
      'bad-input',
      `the reputation store has schema version ${current}, newer than this Vouch understands (${LATEST_VERSION})`,
      { version: current },
    )
  }
  if (current === 0) {
    // A database Vouch never migrated but that holds tables is someone else's (or a damaged copy):
    // creating ours beside them would fail half-way or mix two schemas.
    const foreign = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 5")
      .all() as { name: string }[]
    if (foreign.length > 0)
      throw new VouchError(
        'bad-input',
        `the reputation store is not a Vouch store: it holds tables Vouch did not create (${foreign.map((table) => table.name).join(', ')}); move it away and Vouch starts a new one`,
        { tables: foreign.map((table) => table.name) },
      )
  }
  const applied: number[] = []
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > target) continue
    db.exec('BEGIN IMMEDIATE')
    try {
      db.exec(migration.up)
      migration.fill?.(db)
      db.exec(`PRAGMA user_version = ${migration.version}`)
      db.exec('COMMIT')
    } catch (error) {
      db.exec('ROLLBACK')
      throw new VouchError(
        'internal',
        `migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
      )
    }
    applied.push(migration.version)
  }
  return applied
}
