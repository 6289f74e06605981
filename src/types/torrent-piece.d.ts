// torrent-piece (WebTorrent's per-piece block bookkeeping): src/engine/piece-files.ts makes pieces as
// WebTorrent does, and test/unit/defence/picker-seam.test.ts runs WebTorrent's own picker over real
// ones. Only what they touch is typed.
declare module 'torrent-piece' {
  export default class Piece {
    static BLOCK_LENGTH: number
    constructor(length: number)
    reserve(): number
    cancel(block: number): void
    set(block: number, data: Uint8Array, source: unknown): boolean
    flush(): Uint8Array | null
    _reservations: number
    _chunks: number
    _cancellations: number[] | null
  }
}
