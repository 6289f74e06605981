/**
 * Third-party BitTorrent clients for interop tests, as Debian packages them (.ci/run installs
 * them). Locally a missing client skips its tests with a message; under CI it fails them.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'vitest'
import { LineProcess } from '../kit/process.ts'

/** Debian's python, where python3-libtorrent installs (not whatever python3 is first on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3'
const LIBTORRENT_PEER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'libtorrent_peer.py')

export interface ExternalClient {
  name: string
  /** The Debian package that provides it. */
  apt: string
  available: boolean
  version: string
}

function probe(name: string, apt: string, command: string, args: string[]): ExternalClient {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 })
  const available = result.status === 0
  const version = available ? ((result.stdout || result.stderr).trim().split('\n')[0] ?? '') : ''
  return { name, apt, available, version }
}

export const libtorrent = probe('libtorrent (python3-libtorrent)', 'python3-libtorrent', SYSTEM_PYTHON, [
  '-c',
  'import libtorrent; print(libtorrent.__version__)',
])
export const aria2 = probe('aria2', 'aria2', 'aria2c', ['--version'])
export const transmission = probe('transmission-cli', 'transmission-cli', 'transmission-cli', ['--version'])

/**
 * `describe` for tests that need `client`. Missing locally: skipped, with a message saying what to
 * install. Missing under CI (process.env.CI): one failing test, so CI cannot pass without it.
 */
export function describeWith(client: ExternalClient, title: string, body: () => void): void {
  if (client.available) {
    describe(`${title} (${client.version})`, body)
    return
  }
  const missing = `${client.name} is not installed (apt-get install ${client.apt})`
  if (process.env.CI) {
    describe(title, () => {
      it(`needs ${client.name}`, () => {
        throw new Error(`${missing}; under CI a missing interop client is a failure, not a skip`)
      })
    })
    return
  }
  process.stderr.write(`skipping interop tests "${title}": ${missing}\n`)
  describe.skip(title, body)
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A port nothing listens on right now (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return typeof address === 'object' && address ? address.port : 0
}

/** The libtorrent peer script (test/interop/libtorrent_peer.py) in a child process. */
export function libtorrentPeer(
  mode: 'seed' | 'leech',
  torrentPath: string,
  saveDir: string,
  host: string,
  peer?: string,
): LineProcess {
  return new LineProcess(SYSTEM_PYTHON, [
    LIBTORRENT_PEER,
    mode,
    torrentPath,
    saveDir,
    host,
    ...(peer ? [peer] : []),
  ])
}
