/**
 * Numbered schema migrations, applied in order inside one transaction each; `PRAGMA user_version`
 * holds the version reached. Never edit a released migration: add the next number.
 */
import type { DatabaseSync } from 'node:sqlite'
import { VouchError } from '../../errors.ts'
import { migration001 } from './001-initial.ts'
import { migration002 } from './002-audit-log.ts'
import { migration003 } from './003-stats-samples.ts'

export interface Migration {
  version: number
  name: string
  /** SQL run as one script. */
  up: string
}

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003]
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
  const applied: number[] = []
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > target) continue
    db.exec('BEGIN IMMEDIATE')
    try {
      db.exec(migration.up)
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
