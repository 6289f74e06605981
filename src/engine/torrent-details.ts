/** One torrent in depth for the details pane: files, peers, trackers and the pieces map. */
import type { TorrentLimits } from './torrent-throttle.ts'
import type Wire from 'bittorrent-protocol'
import type { Torrent } from 'webtorrent'
import type { FilePriority } from './file-priorities.ts'
import { clientName } from './peer-client.ts'
import type { TrackerStatus } from './tracker-status.ts'

export interface FileDetails {
  index: number
  path: string
  length: number
  downloaded: number
  /** 0..1 */
  progress: number
  priority: FilePriority
}

export interface PeerDetails {
  address: string
  port: number
  client: string
  flags: {
    incoming: boolean
    encrypted: boolean
    /** We choke the peer (it may not download from us). */
    choked: boolean
    /** We want pieces the peer has. */
    interested: boolean
    peerChoking: boolean
    peerInterested: boolean
  }
  downloadSpeed: number
  uploadSpeed: number
  /** The share of pieces the peer says it has, 0..1. */
  progress: number
  downloaded: number
  uploaded: number
}

export interface TorrentDetails {
  infoHash: string
  savePath: string
  pieceLength: number
  pieceCount: number
  /** Verified pieces, one bit each, most significant bit first (the BitTorrent bitfield), base64. */
  pieces: string
  files: FileDetails[]
  peers: PeerDetails[]
  trackers: TrackerStatus[]
  /** The torrent's own speed limits (torrent-throttle.ts). */
  limits: TorrentLimits
}

/** The torrent's verified pieces as a BitTorrent bitfield. */
export function bitfieldOf(torrent: Torrent): Uint8Array {
  const count = torrent.pieces.length
  const bytes = new Uint8Array(Math.ceil(count / 8))
  for (let index = 0; index < count; index++) {
    if (torrent.bitfield?.get(index)) bytes[index >> 3]! |= 0x80 >> (index & 7)
  }
  return bytes
}

function peerProgress(wire: Wire, pieceCount: number): number {
  if (pieceCount === 0) return 0
  let have = 0
  for (let index = 0; index < pieceCount; index++) if (wire.peerPieces.get(index)) have++
  return have / pieceCount
}

interface PieceProgress {
  missing: number
}

/**
 * Bytes of file `index` in verified or partly received pieces. WebTorrent's `file.downloaded`
 * subtracts a whole piece from a file that ends exactly on a piece boundary (it reads the end
 * offset modulo the piece length as 0), so a finished, piece-aligned file shows 2/3 done.
 */
export function fileDownloaded(torrent: Torrent, index: number): number {
  const file = torrent.files[index]
  if (!file || file.length === 0 || !torrent.bitfield) return 0
  const pieceLength = torrent.pieceLength
  const lastIndex = torrent.pieces.length - 1
  const fileStart = file.offset
  const fileEnd = file.offset + file.length
  let downloaded = 0
  for (
    let piece = Math.floor(fileStart / pieceLength);
    piece * pieceLength < fileEnd && piece <= lastIndex;
    piece++
  ) {
    const start = piece * pieceLength
    const length = piece === lastIndex ? torrent.lastPieceLength : pieceLength
    const got = torrent.bitfield.get(piece)
      ? length
      : length - ((torrent.pieces[piece] as PieceProgress | null)?.missing ?? length)
    const overlap = Math.min(start + length, fileEnd) - Math.max(start, fileStart)
    downloaded += (overlap * Math.max(0, got)) / length
  }
  return Math.min(file.length, downloaded)
}

const speed = (value: number) => (Number.isFinite(value) && value > 0 ? value : 0)

export function peerDetails(wire: Wire, pieceCount: number): PeerDetails {
  const encryption = (wire as unknown as { _encryptionMethod?: number })._encryptionMethod
  return {
    address: wire.remoteAddress ?? '',
    port: wire.remotePort ?? 0,
    client: clientName(wire.peerIdBuffer, wire.extendedHandshake?.v),
    flags: {
      incoming: wire.type === 'tcpIncoming' || wire.type === 'utpIncoming',
      // MSE: method 2 is RC4 over the whole stream; 1 is plaintext after the handshake.
      encrypted: encryption === 2,
      choked: wire.amChoking,
      interested: wire.amInterested,
      peerChoking: wire.peerChoking,
      peerInterested: wire.peerInterested,
    },
    downloadSpeed: speed(wire.downloadSpeed()),
    uploadSpeed: speed(wire.uploadSpeed()),
    progress: peerProgress(wire, pieceCount),
    downloaded: wire.downloaded,
    uploaded: wire.uploaded,
  }
}

export function detailsOf(
  torrent: Torrent,
  priorities: readonly FilePriority[],
  trackers: TrackerStatus[],
  limits: TorrentLimits,
): TorrentDetails {
  const pieceCount = torrent.pieces.length
  return {
    infoHash: torrent.infoHash,
    savePath: torrent.path,
    pieceLength: torrent.pieceLength ?? 0,
    pieceCount,
    pieces: Buffer.from(bitfieldOf(torrent)).toString('base64'),
    files: torrent.files.map((file, index) => {
      const downloaded = fileDownloaded(torrent, index)
      return {
        index,
        path: file.path,
        length: file.length,
        downloaded,
        progress: file.length > 0 ? downloaded / file.length : 1,
        priority: priorities[index] ?? 'normal',
      }
    }),
    peers: torrent.wires.filter((wire) => !wire.destroyed).map((wire) => peerDetails(wire, pieceCount)),
    trackers,
    limits,
  }
}
