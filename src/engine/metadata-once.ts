/**
 * ut_metadata 5 re-derives the info dictionary from the whole .torrent for every wire. WebTorrent
 * gives each new wire's extension the torrent's metadata, and setMetadata then decodes the .torrent,
 * encodes its info dictionary, and decodes and encodes that again for a 'metadata' event nobody
 * listens to yet: four passes over every file entry, per connection, on the main thread. For a
 * torrent of 20 000 files that is about 320 ms for each peer that connects, on both sides.
 *
 * Here the info bytes and their SHA-1 are known once per metadata buffer (WebTorrent hands every
 * wire the same one): taken from the torrent where WebTorrent makes that buffer (its infoBuffer and
 * infoHash, once the one is checked to be the SHA-1 of the other), else derived on first use; the
 * extension's state is set from them exactly as setMetadata sets it.
 * Every other call (metadata arriving from a peer, a 'metadata' listener waiting, a mismatch) goes
 * through ut_metadata's own code, which now checks metadata from incoming peers too (see _onWire).
 */
import { createHash } from 'node:crypto'
import bencode from 'bencode'
import Wire from 'bittorrent-protocol'
import Torrent from 'webtorrent/lib/torrent.js'

/** The parts of ut_metadata 5's extension that setMetadata sets. */
interface MetadataExtension {
  _metadataComplete: boolean
  _infoHash?: string
  _metadataSize: number | null
  _wire: { extendedHandshake: Record<string, unknown> }
  metadata: Uint8Array | null
  cancel(): void
  listenerCount(event: string): number
  setMetadata(metadata: unknown): Promise<boolean>
}

interface Derived {
  info: Uint8Array
  infoHash: string
}

const INSTALLED = Symbol.for('vouch.metadata-once')
/** Metadata buffer → its info dictionary's bytes and infohash (null: not a .torrent with an info). */
const derived = new WeakMap<Uint8Array, Derived | null>()

function derive(metadata: Uint8Array): Derived | null {
  if (derived.has(metadata)) return derived.get(metadata) ?? null
  let result: Derived | null = null
  try {
    const info = (bencode.decode(metadata) as { info?: unknown }).info
    if (info) {
      const bytes = bencode.encode(info)
      result = { info: bytes, infoHash: createHash('sha1').update(bytes).digest('hex') }
    }
  } catch {
    result = null
  }
  derived.set(metadata, result)
  return result
}

/** The members of WebTorrent's Torrent read once it has made its .torrent buffer, or has a wire. */
interface TorrentInternals {
  _processParsedTorrent(parsed: unknown): void
  _onWire(wire: { ut_metadata?: { _infoHash?: string } }, address?: string): void
  torrentFile?: unknown
  infoBuffer?: unknown
  infoHash?: unknown
}

/** Install once per process: every ut_metadata extension a wire uses from then on. */
export function installMetadataOnce(): void {
  const proto = Wire.prototype as unknown as { use(extension: unknown): void; [INSTALLED]?: true }
  if (proto[INSTALLED]) return
  proto[INSTALLED] = true
  const torrentProto = Torrent.prototype as TorrentInternals
  const processParsed = torrentProto._processParsedTorrent
  torrentProto._processParsedTorrent = function (this: TorrentInternals, parsed: unknown) {
    processParsed.call(this, parsed)
    const { torrentFile, infoBuffer, infoHash } = this
    // Only bytes that hash to the torrent's infohash are ever handed to peers: WebTorrent takes a
    // parsed torrent's infoHash and infoBuffer on trust, so one SHA-1 here (about 2 ms for 20 000
    // files, once per torrent) keeps that true whoever made them; else setMetadata derives them.
    if (
      torrentFile instanceof Uint8Array &&
      infoBuffer instanceof Uint8Array &&
      typeof infoHash === 'string' &&
      createHash('sha1').update(infoBuffer).digest('hex') === infoHash
    )
      derived.set(torrentFile, { info: infoBuffer, infoHash })
  }
  // ut_metadata checks metadata fetched from a peer against the infohash it learns in the wire's
  // onHandshake, which only reaches extensions in use by then. WebTorrent uses ut_metadata on an
  // incoming wire after its handshake (conn-pool looks the torrent up asynchronously), so there the
  // check never ran: a peer dialling in could hand a magnet any metadata, and WebTorrent took it,
  // infohash and all. Peer#onHandshake has checked that the wire's infohash is this torrent's.
  const onWire = torrentProto._onWire
  torrentProto._onWire = function (this: TorrentInternals, wire, address) {
    onWire.call(this, wire, address)
    const extension = wire.ut_metadata
    if (extension && !extension._infoHash && typeof this.infoHash === 'string')
      extension._infoHash = this.infoHash
  }
  const use = proto.use
  proto.use = function (this: unknown, extension: unknown) {
    const extensionProto = (extension as { prototype?: MetadataExtension & { name?: string } }).prototype
    if (extensionProto?.name === 'ut_metadata' && !Object.hasOwn(extensionProto, INSTALLED)) {
      Object.defineProperty(extensionProto, INSTALLED, { value: true })
      const setMetadata = extensionProto.setMetadata
      extensionProto.setMetadata = function (this: MetadataExtension, metadata: unknown) {
        const known =
          !this._metadataComplete &&
          this.listenerCount('metadata') === 0 &&
          metadata instanceof Uint8Array &&
          derive(metadata)
        if (!known || (this._infoHash && this._infoHash !== known.infoHash))
          return setMetadata.call(this, metadata)
        this.cancel()
        this.metadata = known.info
        this._metadataComplete = true
        this._metadataSize = known.info.length
        this._wire.extendedHandshake.metadata_size = this._metadataSize
        return Promise.resolve(true)
      }
    }
    return use.call(this, extension)
  }
}
