import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import type { PeerRecord } from '../../reputation/peer-records.ts'
import { globalOptions, withStore } from '../context.ts'
import { formatBytes, writeWithBackpressure } from '../output.ts'

function describePeer(peer: PeerRecord): string {
  return (
    `${peer.address.padEnd(24)} score ${peer.score.toFixed(1).padStart(8)}  pieces ${peer.piecesGood} good ${peer.piecesBad} bad  ` +
    `down ${formatBytes(peer.bytesDown)} up ${formatBytes(peer.bytesUp)}  strikes ${peer.strikes}  ` +
    `last seen ${new Date(peer.lastSeen).toISOString()}${peer.clients.length ? `  ${peer.clients.join(', ')}` : ''}`
  )
}

/** Rows are written in batches of this many lines: one write per row would cost more than the rows. */
const BATCH = 256

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
        const out = process.stdout
        let count = 0
        let batch: string[] = []
        const flush = async () => {
          if (batch.length) await writeWithBackpressure(out, batch.join(''))
          batch = []
        }
        if (global.json) batch.push('{"ok":true,"peers":[')
        for (const peer of store.iteratePeers(limit === undefined ? {} : { limit })) {
          if (out.destroyed) return
          batch.push(global.json ? `${count ? ',' : ''}${JSON.stringify(peer)}` : `${describePeer(peer)}\n`)
          if (++count % BATCH === 0 || count === 1) await flush()
        }
        if (global.json) batch.push(']}\n')
        else if (count === 0) batch.push('no peers recorded yet\n')
        await flush()
      })
    })
}
