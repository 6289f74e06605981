/**
 * The one judgement of what the user adds, shared by the engine's gate (plugin.ts `admit`) and
 * `vouch verify`, so that verify predicts exactly what `get` will do: the same carriers (the
 * .torrent, its sidecar, the magnet, the envelopes kept for a torrent accepted before) and the
 * same trust view (kept envelopes waive the rollback check, kept-envelopes.ts).
 */
import path from 'node:path'
import { judgeMagnet, judgeTorrentFile, readSidecarFor, type Verdict } from './gate.ts'
import { forgivingRollbackIfKept, type KeptEnvelopes } from './kept-envelopes.ts'
import type { ProvenanceSource } from './plugin-seam.ts'
import type { TrustView } from './policy.ts'

export async function judgeSource(
  source: ProvenanceSource,
  view: TrustView,
  now: number,
  kept: KeptEnvelopes | null,
): Promise<Verdict> {
  const keptPath = kept?.torrentPathFor(source.parsed.infoHash) ?? null
  const keptEnvelopes = kept?.read(source.parsed.infoHash) ?? []
  const trust = forgivingRollbackIfKept(view, keptEnvelopes)
  if (source.kind === 'torrent-file') {
    const fromStoredCopy = keptPath !== null && path.resolve(source.origin) === keptPath
    // A resumed torrent is its stored copy, whose sidecar is the kept envelopes: read it once.
    const sidecar = fromStoredCopy ? keptEnvelopes : source.origin ? await readSidecarFor(source.origin) : []
    return judgeTorrentFile(source.bytes, trust, now, {
      extraEnvelopes: fromStoredCopy ? sidecar : [...sidecar, ...keptEnvelopes],
      expectedInfoHash: source.parsed.infoHash,
      // The engine's own stored copy of a magnet's metadata has no tracker or web-seed lists to
      // compare with what the envelope bound; those lists were checked when it was first added.
      ignoreSources: fromStoredCopy,
      ...(source.reading ? { reading: source.reading } : {}),
    })
  }
  const infoHash = source.parsed.infoHash.toLowerCase()
  return judgeMagnet(source.kind === 'magnet' ? source.uri : '', infoHash, trust, now, keptEnvelopes)
}
