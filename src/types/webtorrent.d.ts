// Minimal typings for the parts of WebTorrent 3, bittorrent-protocol and friends that Vouch uses.
// The upstream packages ship no types; @types/webtorrent describes an older major.

declare module 'bittorrent-protocol' {
  import { EventEmitter } from 'node:events'
  export interface WireRequest {
    piece: number
    offset: number
    length: number
  }
  export default class Wire extends EventEmitter {
    remoteAddress: string | undefined
    remotePort: number | undefined
    peerId: string | undefined
    peerIdBuffer: Uint8Array | undefined
    type: 'tcpIncoming' | 'tcpOutgoing' | 'utpIncoming' | 'utpOutgoing' | 'webrtc' | 'webSeed'
    requests: WireRequest[]
    peerRequests: WireRequest[]
    downloaded: number
    uploaded: number
    destroyed: boolean
    peerChoking: boolean
    amChoking: boolean
    peerInterested: boolean
    amInterested: boolean
    peerPieces: { get(index: number): boolean }
    extendedHandshake: Record<string, unknown>
    downloadSpeed(): number
    uploadSpeed(): number
    piece(index: number, offset: number, buffer: Uint8Array): void
    request(
      index: number,
      offset: number,
      length: number,
      cb: (err: Error | null, buf?: Uint8Array) => void,
    ): void
    have(index: number): void
    choke(): void
    unchoke(): void
    cancel(index: number, offset: number, length: number): void
    use(extension: unknown): void
    handshake(
      infoHash: string | Uint8Array,
      peerId: string | Uint8Array,
      extensions?: Record<string, boolean>,
    ): void
    destroy(): void
    end(): void
    _onPiece(index: number, offset: number, buffer: Uint8Array): void
  }
}

declare module 'webtorrent' {
  import { EventEmitter } from 'node:events'
  import type Wire from 'bittorrent-protocol'

  export interface TorrentFile {
    name: string
    path: string
    length: number
    offset: number
    downloaded: number
    progress: number
    done: boolean
  }

  export interface IpSet {
    add(start: string, end?: string): void
    contains(addr: string): boolean
  }

  export interface TorrentOptions {
    path?: string
    announce?: string[]
    private?: boolean
    skipVerify?: boolean
    paused?: boolean
    deselect?: boolean
    store?: unknown
    storeOpts?: Record<string, unknown>
    destroyStoreOnDestroy?: boolean
    strategy?: 'sequential' | 'rarest'
    maxWebConns?: number
    pieceLength?: number
    name?: string
    addUID?: boolean
    rootDir?: string
  }

  export interface Torrent extends EventEmitter {
    infoHash: string
    magnetURI: string
    name: string
    length: number
    pieceLength: number
    lastPieceLength: number
    pieces: unknown[]
    files: TorrentFile[]
    info: Record<string, unknown> | undefined
    infoBuffer: Uint8Array | undefined
    torrentFile: Uint8Array
    path: string
    ready: boolean
    done: boolean
    paused: boolean
    destroyed: boolean
    received: number
    downloaded: number
    uploaded: number
    downloadSpeed: number
    uploadSpeed: number
    progress: number
    timeRemaining: number
    numPeers: number
    wires: Wire[]
    store: unknown
    bitfield: { get(index: number): boolean }
    _hashes: string[]
    addPeer(peer: string): boolean
    removePeer(peer: string): void
    select(start: number, end: number, priority?: number): void
    deselect(start: number, end: number): void
    pause(): void
    resume(): void
    destroy(opts?: { destroyStore?: boolean }, cb?: (err?: Error | null) => void): void
  }

  export interface ClientOptions {
    peerId?: string | Uint8Array
    nodeId?: string | Uint8Array
    torrentPort?: number
    dhtPort?: number
    tracker?: boolean | Record<string, unknown>
    dht?: boolean | Record<string, unknown>
    lsd?: boolean
    utPex?: boolean
    natUpnp?: boolean | 'permanent'
    natPmp?: boolean
    webSeeds?: boolean
    utp?: boolean
    maxConns?: number
    blocklist?: string | string[]
    seedOutgoingConnections?: boolean
    downloadLimit?: number
    uploadLimit?: number
    secure?: number
  }

  export default class WebTorrent extends EventEmitter {
    static WEBRTC_SUPPORT: boolean
    static VERSION: string
    constructor(opts?: ClientOptions)
    torrents: Torrent[]
    peerId: string
    torrentPort: number
    listening: boolean
    ready: boolean
    destroyed: boolean
    blocked: IpSet | undefined
    downloadSpeed: number
    uploadSpeed: number
    ratio: number
    progress: number
    add(
      torrentId: string | Uint8Array | object,
      opts?: TorrentOptions,
      ontorrent?: (t: Torrent) => void,
    ): Torrent
    seed(
      input: string | string[] | Uint8Array,
      opts?: TorrentOptions & { announceList?: string[][]; comment?: string; createdBy?: string },
      onseed?: (t: Torrent) => void,
    ): Torrent
    get(torrentId: string | Uint8Array): Promise<Torrent | null>
    remove(
      torrentId: string | Torrent,
      opts?: { destroyStore?: boolean },
      cb?: (err?: Error | null) => void,
    ): Promise<void>
    address(): { address: string; family: string; port: number } | null
    /** Bytes per second; -1 removes the limit. */
    throttleUpload(rate: number): boolean | undefined
    throttleDownload(rate: number): boolean | undefined
    destroy(cb?: (err?: Error | null) => void): void
  }
}

declare module 'parse-torrent' {
  export interface ParsedTorrent {
    infoHash: string
    infoHashBuffer?: Uint8Array
    name?: string
    announce?: string[]
    urlList?: string[]
    info?: Record<string, unknown>
    infoBuffer?: Uint8Array
    length?: number
    pieceLength?: number
    lastPieceLength?: number
    pieces?: string[]
    files?: { path: string; name: string; length: number; offset: number }[]
    private?: boolean
    created?: Date
    comment?: string
    xs?: string | string[]
    [key: string]: unknown
  }
  export default function parseTorrent(id: string | Uint8Array | object): Promise<ParsedTorrent>
  export function toMagnetURI(parsed: object): string
  export function toTorrentFile(parsed: object): Uint8Array
}

declare module 'create-torrent' {
  export interface CreateTorrentOptions {
    name?: string
    comment?: string
    createdBy?: string
    creationDate?: Date | number
    private?: boolean
    pieceLength?: number
    announceList?: string[][]
    urlList?: string[]
    info?: Record<string, unknown>
  }
  /** The trackers create-torrent lists when given neither `announce` nor `announceList`. */
  export const announceList: string[][]
  export default function createTorrent(
    input: string | string[] | Uint8Array,
    opts: CreateTorrentOptions,
    cb: (err: Error | null, torrent: Uint8Array) => void,
  ): void
}

declare module 'bittorrent-tracker' {
  import { EventEmitter } from 'node:events'
  import type { Server as HttpServer } from 'node:http'
  export class Server extends EventEmitter {
    constructor(opts?: { udp?: boolean; http?: boolean; ws?: boolean; stats?: boolean; trustProxy?: boolean })
    http: HttpServer | null
    listen(port: number, hostname: string, cb?: () => void): void
    close(cb?: () => void): void
  }
}

declare module 'bencode' {
  const bencode: {
    encode(value: unknown): Uint8Array
    decode(data: Uint8Array, start?: number, end?: number, encoding?: string): unknown
    byteLength(value: unknown): number
  }
  export default bencode
}
declare module 'webrtc-polyfill' {
  export const RTCPeerConnection: unknown
}
