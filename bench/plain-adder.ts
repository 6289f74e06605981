/**
 * The baseline of bench/torrents2000.ts: plain WebTorrent adding every .torrent in a list, its data
 * in one directory, with discovery off (as `vouch serve --no-dht --no-lsd --no-nat --no-tracker`).
 * Prints {"event":"added"} once every torrent has its metadata, then idles until killed.
 * `node bench/plain-adder.ts LIST.json DATA-DIR` (LIST: a JSON array of .torrent paths)
 */
import { readFile } from 'node:fs/promises'
import WebTorrent from 'webtorrent'

const [list = '', dataDir = ''] = process.argv.slice(2)
const paths = JSON.parse(await readFile(list, 'utf8')) as string[]
const client = new WebTorrent({
  dht: false,
  lsd: false,
  natUpnp: false,
  natPmp: false,
  utp: false,
  tracker: false,
})
let pending = paths.length
for (const file of paths) {
  const torrent = client.add(await readFile(file), { path: dataDir })
  torrent.once('metadata', () => {
    if (--pending === 0) process.stdout.write('{"event":"added"}\n')
  })
}
