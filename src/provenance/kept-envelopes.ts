/**
 * The envelopes that admitted a torrent, kept next to the engine's stored copy of it
 * (DIR/<infohash>.torrent.vouch, the sidecar format of docs/formats.md). The stored copy of a
 * magnet is WebTorrent's metadata and that of a sidecar-signed torrent is the bare file: neither
 * carries an envelope, so without these a restarted engine would refuse both as unsigned. Kept
 * envelopes are judged again on every admission, under the trust store as it is then.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { formatSidecar, SIDECAR_SUFFIX } from './carriers.ts'
import type { Envelope } from './envelope.ts'
import { readSidecarForSync } from './gate.ts'
import type { TrustView } from './policy.ts'
import type { EnvelopeCandidate } from './torrent.ts'

const INFOHASH = /^[0-9a-f]{40}$/

export class KeptEnvelopes {
  readonly dir: string

  constructor(dir: string) {
    this.dir = dir
  }

  /** The copy the engine stores (src/engine/engine.ts); the envelopes are its sidecar. */
  torrentPathFor(infoHash: string): string | null {
    const normalised = infoHash.toLowerCase()
    return INFOHASH.test(normalised) ? path.join(this.dir, `${normalised}.torrent`) : null
  }

  /** Read synchronously, like the stored copies they sit beside (gate.ts readSidecarForSync). */
  read(infoHash: string): EnvelopeCandidate[] {
    const torrentPath = this.torrentPathFor(infoHash)
    return torrentPath ? readSidecarForSync(torrentPath) : []
  }

  /** Replace what is kept for `infoHash` (temp file, then rename: never a half-written sidecar). */
  async keep(infoHash: string, envelopes: readonly Envelope[]): Promise<void> {
    const torrentPath = this.torrentPathFor(infoHash)
    if (!torrentPath || envelopes.length === 0) return
    const file = `${torrentPath}${SIDECAR_SUFFIX}`
    await mkdir(this.dir, { recursive: true })
    const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    await writeFile(temp, formatSidecar(envelopes))
    await rename(temp, file)
  }
}

/**
 * Kept envelopes mean the user accepted this very torrent before: it is no replay of an old
 * release even if the publisher has numbered a newer one since, so the sequence check (which
 * guards against being offered an old release as new) does not apply to it.
 */
export function forgivingRollbackIfKept(trust: TrustView, kept: readonly EnvelopeCandidate[]): TrustView {
  return kept.some((candidate) => candidate.ok) ? { ...trust, sequences: new Map() } : trust
}
