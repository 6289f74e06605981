/**
 * The bytes an info dictionary was decoded from, kept with the object made of them, so that
 * bencoding that object again writes those bytes instead of walking it. WebTorrent encodes every
 * torrent's whole .torrent from its parsed info as it adds it (parse-torrent's toTorrentFile, in
 * Torrent#_processParsedTorrent): for 20 000 files about 240 ms of the main thread, in `get`, in
 * `seed` and for each torrent a resume adds.
 *
 * Only objects that encode back to exactly their bytes are kept: torrent-decode.ts keeps an info
 * dictionary read strictly from canonical bencode (keys sorted and unique, ASCII, no '__proto__'
 * key, integers minimal and safe), which bencode's encoder writes back byte for byte; nothing in
 * Vouch, WebTorrent or parse-torrent changes a parsed info dictionary afterwards. The output of
 * every encode is the same as without this, only made without the walk.
 */
import bencode from 'bencode'

interface DictEncoder {
  dict(this: unknown, buffers: Uint8Array[], data: object): void
}

const known = new WeakMap<object, Uint8Array>()
let installed = false

/** From now on `bencode.encode` writes `bytes` for `info` (which must encode to exactly them). */
export function rememberInfoBytes(info: object, bytes: Uint8Array): void {
  install()
  known.set(info, bytes)
}

/** bencode's encoder calls `encode.dict` for every dictionary, nested ones included. */
function install(): void {
  if (installed) return
  installed = true
  const encoder = bencode.encode as unknown as DictEncoder
  const dict = encoder.dict
  encoder.dict = function (this: unknown, buffers, data) {
    const bytes = known.get(data)
    if (bytes) buffers.push(bytes)
    else dict.call(this, buffers, data)
  }
}
