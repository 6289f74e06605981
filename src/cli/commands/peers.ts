import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import { globalOptions, report, withStore } from '../context.ts'
import { formatBytes } from '../progress.ts'

export function registerPeers(program: Command): void {
  program
    .command('peers')
    .description('every peer the reputation store remembers, most recently seen first')
    .option('--limit <n>', 'show at most this many')
    .action((flags: { limit?: string }, command: Command) => {
      const global = globalOptions(command)
      const limit = flags.limit === undefined ? undefined : Number(flags.limit)
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        throw new VouchError('usage', `--limit must be a positive whole number, not '${flags.limit}'`)
      return withStore(global, (store) => {
        const peers = store.peers(limit === undefined ? {} : { limit })
        const lines = peers.map(
          (peer) =>
            `${peer.address.padEnd(24)} score ${peer.score.toFixed(1).padStart(8)}  pieces ${peer.piecesGood} good ${peer.piecesBad} bad  ` +
            `down ${formatBytes(peer.bytesDown)} up ${formatBytes(peer.bytesUp)}  strikes ${peer.strikes}  ` +
            `last seen ${new Date(peer.lastSeen).toISOString()}${peer.clients.length ? `  ${peer.clients.join(', ')}` : ''}`,
        )
        report(global, peers.length ? lines.join('\n') : 'no peers recorded yet', { ok: true, peers })
      })
    })
}
