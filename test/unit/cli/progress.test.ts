import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { progressView } from '../../../src/cli/progress.ts'
import type { TorrentStats } from '../../../src/engine/events.ts'

const MiB = 1024 * 1024

function stats(downloaded: number, length: number, speed: number): TorrentStats {
  return {
    infoHash: 'ab'.repeat(20),
    name: 'x',
    length,
    downloaded,
    uploaded: 0,
    progress: downloaded / length,
    downloadSpeed: speed,
    uploadSpeed: 0,
    numPeers: 3,
    timeRemaining: ((length - downloaded) / speed) * 1000,
    done: false,
    paused: false,
    queued: false,
    hasMetadata: true,
    checking: false,
    savePath: '/tmp',
    addedAt: 0,
    ratio: 0,
    error: null,
  }
}

describe('the terminal progress bar', () => {
  it('shows downloaded/size and the time remaining, not cli-progress’s own total and eta', () => {
    const stream = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 200,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    })
    let output = ''
    stream.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const view = progressView(stream as unknown as NodeJS.WriteStream, true)
    view.update(stats(40 * MiB, 1000 * MiB, 4 * MiB))
    view.stop()
    expect(output).toContain('40.0 MiB/1000.0 MiB')
    expect(output).toContain('4.0 MiB/s | 3 peers | ETA 4m0s')
    expect(output).not.toContain('/1000 ')
  })
})
