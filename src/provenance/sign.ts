/** Publishing side: build the statement for a .torrent from its exact bytes, sign it, carry it. */
import { signStatement, type Envelope } from './envelope.ts'
import type { SecretKey } from './keys.ts'
import { mergeEnvelopes, readEnvelopes, readProvenanceTorrent, withTorrentEnvelopes } from './torrent.ts'

export interface SignOptions {
  /** Seconds since 1970. Default: now. */
  created?: number
  /** Seconds since 1970. */
  expires?: number | undefined
  sequence?: number | undefined
  /**
   * Bind the tracker and web-seed lists (`announce`, `announce-list`, `url-list`) too, so whoever
   * redistributes the file cannot swap them (a version 2 envelope). Default true.
   */
  bindSources?: boolean
}

export interface SignedTorrent {
  /** The .torrent with the envelope added to its `vouch` list (co-signers kept). */
  bytes: Uint8Array
  envelope: Envelope
  /** Every envelope the torrent now carries. */
  envelopes: Envelope[]
  infoHash: string
}

/** Sign a .torrent. Throws TorrentFormatError or EnvelopeError when it cannot be signed. */
export function signTorrent(
  torrentBytes: Uint8Array,
  key: SecretKey,
  options: SignOptions = {},
): SignedTorrent {
  const torrent = readProvenanceTorrent(torrentBytes)
  const envelope = signStatement(
    {
      infoHash: new Uint8Array(Buffer.from(torrent.facts.infoHash, 'hex')),
      infoSha256: torrent.facts.infoSha256,
      name: torrent.facts.name,
      length: torrent.facts.length,
      created: options.created ?? Math.floor(Date.now() / 1000),
      expires: options.expires,
      sequence: options.sequence,
      sourcesSha256: options.bindSources === false ? undefined : torrent.facts.sourcesSha256,
    },
    key,
  )
  const envelopes = mergeEnvelopes(readEnvelopes(torrent.envelopes), [envelope])
  return {
    bytes: withTorrentEnvelopes(torrentBytes, envelopes),
    envelope,
    envelopes,
    infoHash: torrent.facts.infoHash,
  }
}
