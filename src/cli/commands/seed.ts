import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import type { Torrent } from 'webtorrent'
import { VouchError } from '../../errors.ts'
import { Engine } from '../../engine/engine.ts'
import { readTorrentFile } from '../../engine/source.ts'
import { openWithReputation } from '../../reputation/wiring.ts'
import { globalOptions, note, report } from '../context.ts'
import { engineOptionsFrom, withNetworkOptions, type NetworkFlags } from '../engine-options.ts'

interface SeedFlags extends NetworkFlags {
  data?: string
  announce?: string[]
}

function whenReady(torrent: Torrent): Promise<void> {
  return torrent.ready ? Promise.resolve() : new Promise((resolve) => torrent.once('ready', () => resolve()))
}

/** Resolves on SIGINT or SIGTERM; the engine is closed by the caller. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => resolve(signal)
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  })
}

async function keepPublishedFeeds(home: string, engine: Engine) {
  const dht = engine.dht
  if (!dht) return null
  const [{ FeedDaemon }, { FeedStore }, { TrustStore }] = await Promise.all([
    import('../../feeds/daemon.ts'),
    import('../../feeds/feed-store.ts'),
    import('../../provenance/trust-store.ts'),
  ])
  const daemon = new FeedDaemon({
    dht,
    feeds: FeedStore.forHome(home),
    trust: TrustStore.forHome(home),
    follow: false,
    onError: note,
  })
  daemon.start()
  return daemon
}

export function registerSeed(program: Command): void {
  withNetworkOptions(
    program
      .command('seed')
      .description('seed a file, a directory, or a .torrent whose data is on disk, until stopped')
      .argument('<path-or-torrent>', 'data to share, or a .torrent file')
      .option(
        '--data <dir>',
        'with a .torrent: the directory holding its data (default: the .torrent file’s directory)',
      )
      .option('--announce <url...>', 'tracker URL(s) when seeding plain data'),
  ).action(async (input: string, flags: SeedFlags, command: Command) => {
    const global = globalOptions(command)
    let info
    try {
      info = await stat(input)
    } catch {
      throw new VouchError('bad-input', `cannot read ${input}: no such file or directory`, { source: input })
    }
    const isTorrentFile = info.isFile() && input.toLowerCase().endsWith('.torrent')
    // The reputation store (HOME/vouch.db): bans hold for incoming peers, and every peer is remembered.
    const { engine, close } = await openWithReputation(global.home, (reputation) =>
      Engine.open({ ...engineOptionsFrom(global, flags), ...reputation.engineOptions() }),
    )
    try {
      let torrent: Torrent
      if (isTorrentFile) {
        const source = await readTorrentFile(input)
        const dataDir = path.resolve(flags.data ?? path.dirname(input))
        // Seeding serves data the user already holds: pieces are checked against the local
        // copy and nothing is fetched, so the provenance gate (which guards downloads) is skipped.
        torrent = await engine.add(source, { downloadDir: dataDir, remember: false, allowUnsigned: true })
        await whenReady(torrent)
        if (!torrent.done) {
          note(
            `warning: only ${(torrent.progress * 100).toFixed(1)}% of ${torrent.name} is present in ${dataDir}; seeding what is there`,
          )
        }
      } else {
        torrent = await engine.seed(input, {
          ...(flags.announce ? { announce: flags.announce } : {}),
          remember: false,
        })
      }
      report(
        global,
        `seeding ${torrent.name}\ninfohash ${torrent.infoHash}\nport ${engine.port}\nmagnet ${torrent.magnetURI}`,
        {
          ok: true,
          event: 'seeding',
          infoHash: torrent.infoHash,
          name: torrent.name,
          port: engine.port,
          magnet: torrent.magnetURI,
        },
      )
      // Keep the feeds this installation publishes alive while it seeds (re-put hourly).
      const keeper = await keepPublishedFeeds(global.home, engine)
      try {
        const signal = await untilStopped()
        note(`stopping (${signal})`)
      } finally {
        await keeper?.close()
      }
    } finally {
      await close()
    }
  })
}
