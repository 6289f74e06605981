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
