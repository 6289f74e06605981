import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import type { PeerRecord } from '../../reputation/peer-records.ts'
import { globalOptions, withStore } from '../context.ts'
import { ChunkedOutput } from '../chunked-output.ts'
import { formatBytes } from '../output.ts'

export function describePeer(peer: PeerRecord): string {
  return (
    `${peer.address.padEnd(24)} score ${peer.score.toFixed(1).padStart(8)}  pieces ${peer.piecesGood} good ${peer.piecesBad} bad  ` +
    `down ${formatBytes(peer.bytesDown)} up ${formatBytes(peer.bytesUp)}  strikes ${peer.strikes}  ` +
    `last seen ${new Date(peer.lastSeen).toISOString()}${peer.clients.length ? `  ${peer.clients.join(', ')}` : ''}`
  )
}

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
      return withStore(global, async (store) => {
        // Streamed row by row: the same output as one document, written as the rows are read.
        const out = new ChunkedOutput(process.stdout)
        let count = 0
        // Fits: the chunk is empty.
        if (global.json) out.write('{"ok":true,"peers":[')
        for (const peer of store.iteratePeers(limit === undefined ? {} : { limit })) {
          const sending = out.write(
            global.json ? `${count ? ',' : ''}${JSON.stringify(peer)}` : `${describePeer(peer)}\n`,
          )
          if (sending) await sending
          // The first line goes out at once, so a reader sees the listing start.
          if (++count === 1) await out.flush()
          if (out.error) break
        }
        if (!out.error) {
          const closing = out.write(global.json ? ']}\n' : count === 0 ? 'no peers recorded yet\n' : '')
          if (closing) await closing
        }
        await out.end('the peer list')
      })
    })
}
