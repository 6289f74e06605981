import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runVouch } from '../kit/cli.ts'
import { Swarm } from '../kit/swarm.ts'

/**
 * Malformed input through the real CLI: every class gets its exit status (2 bad input, 1 usage), a
 * message that names the problem, no crash (70) and no stack trace.
 */
describe('vouch get refuses malformed input', () => {
  const swarm = new Swarm()
  let dir: string
  let goodTorrent: string

  beforeAll(async () => {
    dir = await swarm.tempDir('vouch-malformed-')
    const payload = await swarm.payload({ bytes: 200 * 1024 })
    goodTorrent = payload.torrentPath
    const bytes = Buffer.from(payload.torrentFile)
    await writeFile(path.join(dir, 'truncated.torrent'), bytes.subarray(0, bytes.length - 30))
    await writeFile(path.join(dir, 'garbage.torrent'), 'this is not a torrent\n')
    await writeFile(path.join(dir, 'empty.torrent'), '')
    // Valid bencoding, inconsistent content: 2 piece hashes for 3 pieces' worth of data.
    await writeFile(
      path.join(dir, 'inconsistent.torrent'),
      `d4:infod6:lengthi40000e4:name1:a12:piece lengthi16384e6:pieces40:${'x'.repeat(40)}ee`,
    )
    await mkdir(path.join(dir, 'a-directory.torrent'))
  })
  afterAll(async () => swarm.close())

  const cases: [what: string, args: () => string[], exit: number, message: RegExp][] = [
    [
      'a missing file',
      () => [path.join(dir, 'missing.torrent')],
      2,
      /cannot read .*missing\.torrent: no such file/,
    ],
    [
      'an empty file',
      () => [path.join(dir, 'empty.torrent')],
      2,
      /malformed torrent file .*empty\.torrent: the file is empty/,
    ],
    [
      'bytes that are not a torrent',
      () => [path.join(dir, 'garbage.torrent')],
      2,
      /malformed torrent file .*garbage\.torrent: not a bencoded dictionary/,
    ],
    [
      'a truncated torrent',
      () => [path.join(dir, 'truncated.torrent')],
      2,
      /malformed torrent file .*truncated\.torrent: invalid or truncated bencoding/,
    ],
    [
      'a torrent whose piece hashes do not cover its length',
      () => [path.join(dir, 'inconsistent.torrent')],
      2,
      /malformed torrent file .*inconsistent\.torrent: 2 piece hashes for 40000 bytes/,
    ],
    [
      'a directory',
      () => [path.join(dir, 'a-directory.torrent')],
      2,
      /a-directory\.torrent is a directory, not a \.torrent file/,
    ],
    ['a magnet without an infohash', () => ['magnet:?dn=hello'], 2, /malformed magnet link/],
    ['a magnet with a bad infohash', () => ['magnet:?xt=urn:btih:nothex'], 2, /malformed magnet link/],
    [
      'a bad --peer',
      () => [goodTorrent, '--peer', 'not-an-address'],
      2,
      /malformed peer address 'not-an-address'/,
    ],
    [
      'a --peer with port 0',
      () => [goodTorrent, '--peer', '127.0.0.2:0'],
      2,
      /malformed peer address '127\.0\.0\.2:0'/,
    ],
    [
      'a --port out of range',
      () => [goodTorrent, '--port', '70000'],
      1,
      /--port must be a port number from 0 to 65535, not '70000'/,
    ],
    [
      'a --port that is not a number',
      () => [goodTorrent, '--port', 'abc'],
      1,
      /--port must be a port number/,
    ],
    [
      'a --timeout that is not a number',
      () => [goodTorrent, '--timeout', 'soon'],
      1,
      /--timeout must be a positive number/,
    ],
    ['no source at all', () => [], 1, /missing required argument 'source'/],
  ]

  // Independent child processes: run them side by side.
  it.concurrent.each(cases)('%s', async (what, args, exit, message) => {
    const home = path.join(dir, `home-${cases.findIndex(([name]) => name === what)}`)
    // None of these should wait on the network: they fail before any peer is dialled.
    const result = await runVouch(['--home', home, 'get', ...args(), '--no-dht', '--no-lsd', '--no-nat'], {
      timeoutMs: 20_000,
    })
    expect(result.code, result.stderr).toBe(exit)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /)
    // Refused before anything was opened: no data directory, store or download was created.
    expect(existsSync(home), `${home} exists`).toBe(false)
  })
})
