/**
 * How long each peer-wire message may be, decided from its 4-byte length and its id alone, before
 * any of its body is buffered. Lengths count the id byte (the value of the length prefix). Pure:
 * the state it needs (largest block asked on the wire, the torrent's piece count) is passed in.
 * See docs/decisions.md ("Wire guard") for the choices and libtorrent's limits beside them.
 */

/** Message ids of BEP 3, BEP 6 (fast extension) and BEP 10 (extension protocol). */
export const MESSAGE_NAMES: Readonly<Record<number, string>> = {
  0: 'choke',
  1: 'unchoke',
  2: 'interested',
  3: 'not-interested',
  4: 'have',
  5: 'bitfield',
  6: 'request',
  7: 'piece',
  8: 'cancel',
  9: 'port',
  0x0d: 'suggest',
  0x0e: 'have-all',
  0x0f: 'have-none',
  0x10: 'reject',
  0x11: 'allowed-fast',
  20: 'extended',
}

/** Exact lengths of the fixed-size messages: id, then 32-bit fields (`port`: one 16-bit field). */
const FIXED_LENGTH: Readonly<Record<number, number>> = {
  0: 1,
  1: 1,
  2: 1,
  3: 1,
  4: 5,
  6: 13,
  8: 13,
  9: 3,
  0x0d: 5,
  0x0e: 1,
  0x0f: 1,
  0x10: 13,
  0x11: 5,
}

/**
 * Any other message (extended, or an id this client does not know) at most this long: libtorrent
 * disconnects on any packet over 1 MiB (`errors::packet_too_large`). ut_metadata pieces are
 * 16 KiB plus a small dictionary; extended handshakes and ut_pex are far smaller.
 */
export const MAX_OTHER_MESSAGE = 1024 * 1024

/**
 * Before the torrent's metadata is known a bitfield cannot be checked exactly; bittorrent-protocol
 * already refuses to grow a peer's bitfield past 400,000 pieces, so nothing longer is useful.
 */
export const MAX_PIECES_BEFORE_METADATA = 400_000

/** `piece`: id, index, begin, then the block. */
export const PIECE_HEADER = 9

export interface LimitContext {
  /** The longest block requested on this wire so far (0 if none). */
  largestRequest: number
  /** The torrent's piece count once its metadata is known; null before. */
  pieces: number | null
}

/** The allowed range of a message's length, prefix value (id byte included). */
export interface LengthLimit {
  min: number
  max: number
}

export function messageName(id: number): string {
  return MESSAGE_NAMES[id] ?? `unknown-${id}`
}

/** Bounds for a message of type `id` on a wire in `context`. */
export function lengthLimit(id: number, context: LimitContext): LengthLimit {
  const fixed = FIXED_LENGTH[id]
  if (fixed !== undefined) return { min: fixed, max: fixed }
  if (id === 7) {
    // An empty block is malformed; on a wire where nothing was asked, no length is allowed.
    return { min: PIECE_HEADER + 1, max: PIECE_HEADER + context.largestRequest }
  }
  if (id === 5) {
    if (context.pieces !== null) {
      const exact = 1 + Math.ceil(context.pieces / 8)
      return { min: exact, max: exact }
    }
    return { min: 2, max: 1 + Math.ceil(MAX_PIECES_BEFORE_METADATA / 8) }
  }
  // Extended (id and extension id) and unknown messages.
  return { min: id === 20 ? 2 : 1, max: MAX_OTHER_MESSAGE }
}

/** Whether a message of type `id` declared `length` bytes long is allowed in `context`. */
export function lengthAllowed(id: number, length: number, context: LimitContext): boolean {
  const { min, max } = lengthLimit(id, context)
  return length >= min && length <= max
}
