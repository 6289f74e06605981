/**
 * trust.json version 1 → 2 (docs/formats.md, "Trust store", "Migration from version 1").
 *
 * Version 1 kept one rollback counter per key, so after one numbered release every other product
 * of the same publisher was refused `rolled-back`. Version 2 keeps the counter per key and torrent
 * name, and adds threshold groups. A version 1 record names only an infohash: its name is read from
 * the engine's stored copy of that torrent (HOME/torrents/<infohash>.torrent). A record whose
 * torrent is not there cannot be placed under a name; it is kept in `legacySequences` (not
 * enforced) so nothing is silently lost.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { nameText } from './policy.ts'
import { TorrentFormatError, readProvenanceTorrent } from './torrent.ts'

export interface StoredSequence {
  sequence: number
  infoHash: string
  at: string
}

export interface VersionOneFile {
  version: 1
  publishers: unknown[]
  sequences: Record<string, StoredSequence>
}

export interface MigratedParts {
  sequences: Record<string, Record<string, StoredSequence>>
  legacySequences: Record<string, StoredSequence>
}

/** The name of the torrent with this infohash, from the engine's stored copy; null if none. */
function storedTorrentName(torrentsDir: string, infoHash: string): string | null {
  if (!/^[0-9a-f]{40}$/.test(infoHash)) return null
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path.join(torrentsDir, `${infoHash}.torrent`))
  } catch {
    return null
  }
  try {
    const torrent = readProvenanceTorrent(bytes)
    return torrent.facts.infoHash === infoHash ? nameText(torrent.facts.name) : null
  } catch (error) {
    if (error instanceof TorrentFormatError) return null
    throw error
  }
}

/** Place each per-key record under the name of the torrent it was accepted for. */
export function migrateSequences(
  sequences: Record<string, StoredSequence>,
  torrentsDir: string,
): MigratedParts {
  const migrated: MigratedParts = { sequences: {}, legacySequences: {} }
  for (const [fingerprint, record] of Object.entries(sequences)) {
    const name = storedTorrentName(torrentsDir, record.infoHash)
    if (name === null) migrated.legacySequences[fingerprint] = record
    else (migrated.sequences[fingerprint] ??= {})[name] = record
  }
  return migrated
}
