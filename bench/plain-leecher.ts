/**
 * The baseline of bench/get-process.ts: the smallest plain WebTorrent leecher a user would write,
 * run as a process of its own. `node bench/plain-leecher.ts FILE.torrent OUT-DIR HOST:PORT...`
 * downloads from the given peers with discovery off and exits 0 once done. uTP is off because
 * `vouch get` turns it off (engine.ts): both leechers use TCP, so the transports match.
 */
import { readFile } from 'node:fs/promises'
import WebTorrent from 'webtorrent'

const [torrentPath = '', out = '', ...peers] = process.argv.slice(2)
const client = new WebTorrent({
  dht: false,
  lsd: false,
  natUpnp: false,
  natPmp: false,
  utPex: false,
  utp: false,
  tracker: false,
})
const torrent = client.add(await readFile(torrentPath), { path: out })
torrent.once('infoHash', () => peers.forEach((peer) => torrent.addPeer(peer)))
torrent.once('done', () => client.destroy(() => process.exit(0)))
torrent.once('error', (error) => {
  console.error(error)
  process.exit(1)
})
