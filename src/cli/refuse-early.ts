/**
 * `vouch get` of a local .torrent the policy refuses: decided before the engine opens. Opening it
 * starts the DHT, LSD and the listening socket, and closing them took 8–12 s, all for a torrent
 * that was never going to be fetched. The refusal is decided by the provenance gate itself (the
 * same ProvenancePlugin.admit the engine runs) and audited in HOME/vouch.db exactly as it would be.
 */
import { dataPaths } from '../engine/paths.ts'
import type { TorrentSource } from '../engine/source.ts'
import { VouchError } from '../errors.ts'
import { judgeTorrentFile, readSidecarFor } from '../provenance/gate.ts'
import { ProvenancePlugin } from '../provenance/plugin.ts'
import { TrustStore } from '../provenance/trust-store.ts'
import { openReputation } from '../reputation/wiring.ts'

/** Throws the gate's VouchError('refused') when it refuses `source`; returns when it would not. */
export async function refuseEarly(
  home: string,
  source: TorrentSource,
  allowUnsigned: boolean,
): Promise<void> {
  // Only a .torrent carries everything the gate judges; --allow-unsigned is the engine's to weigh.
  if (source.kind !== 'torrent-file' || allowUnsigned) return
  const trust = TrustStore.forHome(home)
  const verdict = judgeTorrentFile(source.bytes, await trust.view(), Date.now(), {
    extraEnvelopes: source.origin ? await readSidecarFor(source.origin) : [],
    expectedInfoHash: source.parsed.infoHash,
  })
  // Accepted (or acceptable through envelopes kept from an earlier add): the engine's gate decides.
  if (verdict.decision.accepted) return
  const reputation = await openReputation(home)
  try {
    const gate = new ProvenancePlugin(trust, reputation.store, {
      keepEnvelopesIn: dataPaths(home).torrentFiles,
      unsignedMagnets: 'refuse',
    })
    const admission = await gate.admit({ source, allowUnsigned })
    if (!admission.admitted) {
      throw new VouchError('refused', admission.reason, { code: admission.code, ...admission.details })
    }
  } finally {
    reputation.close()
  }
}
