/**
 * `vouch serve` as bench/hostile-wire.ts runs it: the same backend and server (openBackend,
 * startServer), discovery off, seeding one payload, plus `--no-wire-guard` for the before figure
 * (the engine without src/engine/wire-guard.ts, i.e. bittorrent-protocol as it ships).
 *   node bench/hostile-wire-server.ts HOME TORRENT DATA_DIR [--no-wire-guard]
 * Prints one JSON line once seeding: {"event":"serving","url","port","token","torrentPort","infoHash"}.
 */
import { openBackend } from '../src/api/backend.ts'
import { startServer } from '../src/server/server.ts'
import { QUIET_CLIENT, whenDone } from '../test/kit/swarm.ts'

const [home, torrentPath, dataDir] = process.argv.slice(2)
if (!home || !torrentPath || !dataDir) {
  process.stderr.write('usage: hostile-wire-server.ts HOME TORRENT DATA_DIR [--no-wire-guard]\n')
  process.exit(1)
}
const backend = await openBackend({
  engine: {
    home,
    ...QUIET_CLIENT,
    resume: false,
    ...(process.argv.includes('--no-wire-guard') ? { wireGuard: false as const } : {}),
  },
  version: 'bench',
})
const server = await startServer({ service: backend.service })
const torrent = await backend.engine.add(torrentPath, {
  downloadDir: dataDir,
  allowUnsigned: true,
  remember: false,
})
await whenDone(torrent, 120_000)
process.stdout.write(
  `${JSON.stringify({
    event: 'serving',
    url: server.url,
    port: server.port,
    token: server.token,
    torrentPort: backend.engine.port,
    infoHash: torrent.infoHash,
  })}\n`,
)
process.once('SIGTERM', () => {
  void server
    .close()
    .then(() => backend.close())
    .then(() => process.exit(0))
})
