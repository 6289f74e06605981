// WebTorrent's Peer class, which creates every connection's Wire (src/engine/wire-guard.ts hooks
// its onConnect). Only the prototype is used; the guard types the members it touches itself.
declare module 'webtorrent/lib/peer.js' {
  const Peer: { prototype: object }
  export default Peer
}

// WebTorrent's Torrent class (src/engine/metadata-once.ts hooks _processParsedTorrent, where the
// .torrent every wire is given is made). Only the prototype is used.
declare module 'webtorrent/lib/torrent.js' {
  const Torrent: { prototype: object }
  export default Torrent
}

// WebTorrent's File class (test/unit/engine/piece-files.test.ts makes real ones to compare
// src/engine/piece-files.ts with WebTorrent's own bookkeeping).
declare module 'webtorrent/lib/file.js' {
  import { EventEmitter } from 'node:events'
  export default class File extends EventEmitter {
    constructor(torrent: object, file: { name: string; path: string; length: number; offset: number })
    done: boolean
  }
}
