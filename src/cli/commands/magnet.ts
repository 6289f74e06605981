import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import { readTorrentFile } from '../../engine/source.ts'
import { magnetWithEnvelopes } from '../../provenance/carriers.ts'
import { readSidecarFor } from '../../provenance/gate.ts'
import { mergeEnvelopes, readEnvelopes, readProvenanceTorrent } from '../../provenance/torrent.ts'
import { globalOptions, note, report } from '../context.ts'

export function registerMagnet(program: Command): void {
  program
    .command('magnet')
    .description('print a magnet link that carries the .torrent’s envelopes')
    .argument('<torrent>', '.torrent file (envelopes embedded or in a FILE.vouch sidecar)')
    .action(async (torrentPath: string, _flags: unknown, command: Command) => {
      const global = globalOptions(command)
      const source = await readTorrentFile(torrentPath)
      let embedded
      try {
        embedded = readProvenanceTorrent(source.bytes)
      } catch (error) {
        throw new VouchError('bad-input', `cannot read ${torrentPath}: ${(error as Error).message}`)
      }
      const candidates = [...embedded.envelopes, ...(await readSidecarFor(torrentPath))]
      const envelopes = mergeEnvelopes([], readEnvelopes(candidates))
      if (envelopes.length === 0)
        note(`warning: ${torrentPath} is not signed; Vouch users will refuse this magnet`)
      const magnet = magnetWithEnvelopes(
        {
          infoHash: embedded.facts.infoHash,
          name: source.parsed.name,
          trackers: source.parsed.announce ?? [],
          webSeeds: source.parsed.urlList ?? [],
        },
        envelopes,
      )
      report(global, magnet, {
        ok: true,
        magnet,
        infoHash: embedded.facts.infoHash,
        envelopes: envelopes.length,
      })
    })
}
