import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parsePeerAddress } from '../../../src/engine/engine.ts'
import { dataPaths, defaultConfigDir, resolveHome } from '../../../src/engine/paths.ts'
import { TorrentList, type RememberedTorrent } from '../../../src/engine/torrent-list.ts'
import { isVouchError } from '../../../src/errors.ts'

const entry = (infoHash: string): RememberedTorrent => ({
  infoHash,
  torrentFile: null,
  magnet: `magnet:?xt=urn:btih:${infoHash}`,
  downloadDir: '/tmp/x',
  seeding: false,
  allowUnsigned: false,
  addedAt: '2026-01-01T00:00:00.000Z',
})
const A = 'a'.repeat(40)
const B = 'b'.repeat(40)

describe('the persisted torrent list', () => {
  let dir: string
  let file: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vouch-list-'))
    file = path.join(dir, 'torrents.json')
  })
  afterEach(async () => rm(dir, { recursive: true, force: true }))

  it('round-trips entries through the file and forgets deleted ones', async () => {
    const list = new TorrentList(file)
    await list.put(entry(A))
    await list.put(entry(B))
    await list.delete(A)
    const reloaded = await new TorrentList(file).load()
    expect(reloaded.map((item) => item.infoHash)).toEqual([B])
    // Written by rename: no temporary file is left behind.
    expect(await readdir(dir)).toEqual(['torrents.json'])
  })

  it('recovers after a failed write: later writes still reach the disk', async () => {
    const blocked = path.join(dir, 'blocked')
    await writeFile(blocked, 'a file where the directory should be')
    const list = new TorrentList(path.join(blocked, 'torrents.json'))
    await expect(list.put(entry(A))).rejects.toThrow()
    await list.flush()
    await rm(blocked)
    await list.put(entry(B))
    const reloaded = await new TorrentList(path.join(blocked, 'torrents.json')).load()
    expect(reloaded.map((item) => item.infoHash).sort()).toEqual([A, B])
  })

  it('starts empty when there is no file yet', async () => {
    expect(await new TorrentList(file).load()).toEqual([])
  })

  it('keeps a corrupt file aside and starts empty instead of failing', async () => {
    await writeFile(file, '{"version":1,"torrents":[{"infoHash"')
    expect(await new TorrentList(file).load()).toEqual([])
    const names = await readdir(dir)
    const aside = names.find((name) => name.startsWith('torrents.json.corrupt-'))
    expect(aside).toBeDefined()
    expect(await readFile(path.join(dir, aside ?? ''), 'utf8')).toContain('"infoHash"')
  })

  it('skips entries whose infohash is not 40 lowercase hex digits', async () => {
    await writeFile(
      file,
      JSON.stringify({ version: 1, torrents: [entry(A), entry('../../etc'), { nope: 1 }] }),
    )
    expect((await new TorrentList(file).load()).map((item) => item.infoHash)).toEqual([A])
  })

  it('ignores a list written by another format version', async () => {
    await writeFile(file, JSON.stringify({ version: 99, torrents: [entry(A)] }))
    expect(await new TorrentList(file).load()).toEqual([])
  })
})

describe('the data directory', () => {
  it('prefers --home, then VOUCH_HOME, then the platform config dir', () => {
    expect(resolveHome('/x/explicit', { VOUCH_HOME: '/y' })).toBe('/x/explicit')
    expect(resolveHome(undefined, { VOUCH_HOME: '/y/env' })).toBe('/y/env')
    expect(resolveHome(undefined, { HOME: '/home/u' })).toBe(
      defaultConfigDir(process.platform, { HOME: '/home/u' }),
    )
  })

  it('uses the directory Electron would use for an app named Vouch', () => {
    expect(defaultConfigDir('linux', { HOME: '/home/u' })).toBe('/home/u/.config/Vouch')
    expect(defaultConfigDir('linux', { HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/Vouch')
    expect(defaultConfigDir('darwin', { HOME: '/Users/u' })).toBe(
      '/Users/u/Library/Application Support/Vouch',
    )
    expect(defaultConfigDir('win32', { HOME: 'C:\\u', APPDATA: 'C:\\u\\AppData\\Roaming' })).toBe(
      path.join('C:\\u\\AppData\\Roaming', 'Vouch'),
    )
  })

  it('keeps the list, the .torrent copies and downloads under HOME', () => {
    expect(dataPaths('/h')).toMatchObject({
      torrentList: '/h/torrents.json',
      torrentFiles: '/h/torrents',
      downloads: '/h/downloads',
    })
  })
})

describe('peer addresses', () => {
  it.each([
    ['127.0.0.2:6881', '127.0.0.2:6881'],
    [' example.org:51413 ', 'example.org:51413'],
    ['[::1]:6881', '[::1]:6881'],
  ])('accepts %j', (input, expected) => {
    expect(parsePeerAddress(input)).toBe(expected)
  })

  it.each([
    '127.0.0.2',
    '127.0.0.2:',
    ':6881',
    '127.0.0.2:0',
    '127.0.0.2:65536',
    'a b:1',
    'http://x:1',
    '::1:6881',
  ])('refuses %j as bad input', (input) => {
    let error: unknown
    try {
      parsePeerAddress(input)
    } catch (caught) {
      error = caught
    }
    expect(isVouchError(error) && error.code).toBe('bad-input')
    expect((error as Error).message).toContain(`malformed peer address '${input}'`)
  })
})
