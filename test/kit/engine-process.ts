/**
 * A Vouch engine in its own process, so a test can SIGKILL it mid-download (a crash, not a clean
 * stop) and check what survives. Usage (with the project's Node 24):
 *   node test/kit/engine-process.ts HOME TORRENT DOWNLOAD_DIR PEER
 * Prints one JSON line per event: {"event":"added"}, {"event":"verified","piece":N}, {"event":"done"}.
 */
import { Engine } from '../../src/engine/engine.ts'
import { QUIET_CLIENT } from './swarm.ts'

const [home, torrentPath, downloadDir, peer] = process.argv.slice(2)
if (!home || !torrentPath || !downloadDir || !peer) {
  process.stderr.write('usage: engine-process.ts HOME TORRENT DOWNLOAD_DIR PEER\n')
  process.exit(1)
}
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`)
const engine = await Engine.open({ ...QUIET_CLIENT, home, resume: true })
const torrent = await engine.add(torrentPath, { downloadDir, peers: [peer], allowUnsigned: true })
torrent.on('verified', (piece: number) => print({ event: 'verified', piece }))
torrent.once('done', () => print({ event: 'done' }))
print({ event: 'added', infoHash: torrent.infoHash })
process.once('SIGTERM', () => void engine.close().then(() => process.exit(0)))
