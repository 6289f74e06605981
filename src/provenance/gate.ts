/**
 * Gathers facts and envelopes from what the user added, then asks the policy. No side effects
 * beyond reading a sidecar file; recording sequences and audit events is the caller's job.
 */
import { statSync } from 'node:fs'
import { readBoundedFile, readBoundedFileSync } from '../bounded-read.ts'
import { VouchError } from '../errors.ts'
import { MAX_SIDECAR_BYTES, SIDECAR_SUFFIX, envelopesFromMagnet, parseSidecar } from './carriers.ts'
import { decide, type Decision, type TrustView } from './policy.ts'
import {
  TorrentFormatError,
  factsFromInfo,
  readProvenanceTorrent,
  type EnvelopeCandidate,
  type ProvenanceTorrent,
  type TorrentFacts,
} from './torrent.ts'

export interface Verdict {
  decision: Decision
  infoHash: string
  /** Envelopes that were read, whether or not they were accepted. */
  envelopes: EnvelopeCandidate[]
  /** The metadata judged, when it could be read (a .torrent's exact bytes, or arrived metadata). */
  facts?: TorrentFacts
}

/** The sidecar next to a .torrent, if there is one. */
export async function readSidecarFor(torrentPath: string): Promise<EnvelopeCandidate[]> {
  const file = `${torrentPath}${SIDECAR_SUFFIX}`
  // Most torrents have none (every resumed one is asked): a stat that cannot throw is far cheaper
  // than a failed open and its exception. Any other stat failure is left to the read to report.
  if (isAbsent(file)) return []
  try {
    return parseSidecar((await readBoundedFile(file, MAX_SIDECAR_BYTES, 'sidecar')).toString('utf8'))
  } catch (error) {
    return unreadableSidecar(error)
  }
}

/**
 * The same, read synchronously: for the sidecars Vouch keeps beside its own stored copies
 * (kept-envelopes.ts), read once per resumed torrent, like the copies (docs/decisions.md).
 */
export function readSidecarForSync(torrentPath: string): EnvelopeCandidate[] {
  const file = `${torrentPath}${SIDECAR_SUFFIX}`
  if (isAbsent(file)) return []
  try {
    return parseSidecar(readBoundedFileSync(file, MAX_SIDECAR_BYTES, 'sidecar').toString('utf8'))
  } catch (error) {
    return unreadableSidecar(error)
  }
}

function unreadableSidecar(error: unknown): EnvelopeCandidate[] {
  if (error instanceof VouchError && error.details.errno === 'ENOENT') return []
  // Too large, a FIFO, a directory: a sidecar that cannot be an envelope is a bad carrier.
  return [{ ok: false, error: (error as Error).message, carrier: 'sidecar' }]
}

function isAbsent(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false }) === undefined
  } catch {
    return false
  }
}

/**
 * Judge a .torrent's bytes with its embedded envelopes plus any from other carriers.
 * `expectedInfoHash` is the infohash the client will actually join (parse-torrent re-encodes the
 * info dictionary); it must equal the one computed from the exact bytes.
 */
export function judgeTorrentFile(
  bytes: Uint8Array,
  trust: TrustView,
  now: number,
  options: {
    extraEnvelopes?: readonly EnvelopeCandidate[]
    expectedInfoHash?: string
    /**
     * Do not check bound tracker and web-seed lists: for the engine's own stored copy of a torrent
     * it already admitted, whose top level WebTorrent wrote (a magnet's has other lists).
     */
    ignoreSources?: boolean
    /** readProvenanceTorrent(bytes), when the caller has it already (source.ts reads it once). */
    reading?: ProvenanceTorrent
  } = {},
): Verdict {
  let torrent
  try {
    torrent = options.reading ?? readProvenanceTorrent(bytes)
  } catch (error) {
    if (!(error instanceof TorrentFormatError)) throw error
    return {
      decision: decide({
        facts: { infoHash: options.expectedInfoHash ?? '' },
        envelopes: [],
        trust,
        now,
        torrentError: error.message,
      }),
      infoHash: options.expectedInfoHash ?? '',
      envelopes: [],
    }
  }
  const envelopes = [...torrent.envelopes, ...(options.extraEnvelopes ?? [])]
  if (
    options.expectedInfoHash !== undefined &&
    options.expectedInfoHash.toLowerCase() !== torrent.facts.infoHash
  ) {
    return {
      decision: {
        accepted: false,
        reason: 'mismatch',
        fingerprint: null,
        message: `the envelope was signed for different metadata: the client would join ${options.expectedInfoHash}, the bytes hash to ${torrent.facts.infoHash}`,
      },
      infoHash: torrent.facts.infoHash,
      envelopes,
    }
  }
  const facts = options.ignoreSources ? { ...torrent.facts, sourcesSha256: undefined } : torrent.facts
  return {
    decision: decide({ facts, envelopes, trust, now }),
    infoHash: torrent.facts.infoHash,
    envelopes,
    facts: torrent.facts,
  }
}

/** Judge a magnet before any connection: only the infohash can be checked until metadata arrives. */
export function judgeMagnet(
  uri: string,
  infoHash: string,
  trust: TrustView,
  now: number,
  extraEnvelopes: readonly EnvelopeCandidate[] = [],
): Verdict {
  const envelopes = [...envelopesFromMagnet(uri), ...extraEnvelopes]
  return { decision: decide({ facts: { infoHash }, envelopes, trust, now }), infoHash, envelopes }
}

/** Judge metadata that arrived from peers against envelopes already held for it. */
export function judgeMetadata(
  infoBytes: Uint8Array,
  envelopes: readonly EnvelopeCandidate[],
  trust: TrustView,
  now: number,
): Verdict {
  let facts
  try {
    facts = factsFromInfo(infoBytes)
  } catch (error) {
    if (!(error instanceof TorrentFormatError)) throw error
    return {
      decision: decide({ facts: { infoHash: '' }, envelopes: [], trust, now, torrentError: error.message }),
      infoHash: '',
      envelopes: [...envelopes],
    }
  }
  return {
    decision: decide({ facts, envelopes, trust, now }),
    infoHash: facts.infoHash,
    envelopes: [...envelopes],
    facts,
  }
}
