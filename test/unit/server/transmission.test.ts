import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import { defaultSettings } from '../../../src/api/settings-store.ts'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TorrentView } from '../../../src/api/contract.ts'
import { loadRpcCredentials } from '../../../src/server/transmission/credentials.ts'
import { statusOf, torrentFields } from '../../../src/server/transmission/fields.ts'
import { settingsChange, SpeedMemory } from '../../../src/server/transmission/session.ts'
import { TorrentIds } from '../../../src/server/transmission/ids.ts'
import { tempDir } from '../../kit/swarm.ts'

function view(infoHash: string, overrides: Partial<TorrentView> = {}): TorrentView {
  return {
    infoHash,
    name: `t-${infoHash.slice(0, 4)}`,
    length: 1000,
    downloaded: 250,
    uploaded: 500,
    progress: 0.25,
    downloadSpeed: 10,
    uploadSpeed: 0,
    numPeers: 2,
    timeRemaining: 75_000,
    done: false,
    hasMetadata: true,
    provenance: { status: 'unchecked' },
    state: 'downloading',
    paused: false,
    savePath: '/data',
    addedAt: 1_700_000_000_000,
    ratio: 2,
    error: null,
    ...overrides,
  }
}

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)

describe('Transmission RPC: ids', () => {
  it('numbers torrents in the order first seen, keeps the numbers, and accepts hash strings', () => {
    const ids = new TorrentIds()
    const torrents = [view(A), view(B)]
    expect(ids.select(torrents, undefined)).toEqual(torrents)
    expect(ids.select(torrents, [2])).toEqual([torrents[1]])
    expect(ids.select(torrents, B.toUpperCase())).toEqual([torrents[1]])
    expect(ids.select(torrents, ['1', 3])).toEqual([torrents[0]])
    ids.forget(A, 0)
    expect(ids.idOf(B)).toBe(2)
    expect(ids.idOf(A)).toBe(3)
    expect(ids.recentlyRemoved(1000)).toEqual([1])
    expect(ids.recentlyRemoved(120_000)).toEqual([])
    expect(ids.select(torrents, [{}])).toEqual({ error: expect.stringMatching(/invalid torrent id/) })
  })
})

describe('Transmission RPC: torrent-get fields', () => {
  it.each([
    ['downloading', false, 4],
    ['seeding', true, 6],
    ['paused', false, 0],
    ['queued', false, 3],
    ['queued', true, 5],
    ['held', false, 3],
    ['checking', false, 2],
    ['refused', false, 0],
    ['error', false, 0],
  ] as const)('maps state %s (done %s) to status %i', (state, done, status) => {
    expect(statusOf(view(A, { state, done }))).toBe(status)
  })

  it('reports seconds, a local error for a refusal, and leaves unknown fields out', () => {
    const fields = torrentFields(
      ['id', 'eta', 'error', 'errorString', 'uploadRatio', 'addedDate', 'corruptEver', 'nonsense'],
      {
        id: 4,
        torrent: view(A, { state: 'refused', error: 'the torrent is not signed' }),
        details: null,
        corruptBytes: 32768,
        queuePosition: 0,
        now: 0,
        limits: null,
      },
    )
    expect(fields).toEqual({
      id: 4,
      eta: 75,
      error: 3,
      errorString: 'the torrent is not signed',
      uploadRatio: 2,
      addedDate: 1_700_000_000,
      corruptEver: 32768,
    })
  })
})

describe('Transmission RPC: credentials file', () => {
  it('generates user vouch with a random password, mode 0600, when the file is missing', async () => {
    const file = path.join(await tempDir(), 'rpc.credentials')
    const made = await loadRpcCredentials(file)
    expect(made).toMatchObject({ user: 'vouch', generated: true, file })
    expect(made.password.length).toBeGreaterThanOrEqual(24)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readFile(file, 'utf8')).toBe(`vouch:${made.password}\n`)
    expect(await loadRpcCredentials(file)).toMatchObject({
      user: 'vouch',
      password: made.password,
      generated: false,
    })
  })

  it('refuses a file others can read, and one without user:password', async () => {
    const dir = await tempDir()
    const open = path.join(dir, 'open')
    await writeFile(open, 'a:b\n')
    await chmod(open, 0o644)
    await expect(loadRpcCredentials(open)).rejects.toThrow(/readable by others \(mode 644\): run chmod 600/)
    const broken = path.join(dir, 'broken')
    await writeFile(broken, 'no-colon\n', { mode: 0o600 })
    await expect(loadRpcCredentials(broken)).rejects.toThrow(/expected user:password/)
    const password = path.join(dir, 'password')
    await writeFile(password, 'user:pass:with:colons\n', { mode: 0o600 })
    expect(await loadRpcCredentials(password)).toMatchObject({ user: 'user', password: 'pass:with:colons' })
  })
})

describe('Transmission RPC: session-set', () => {
  const settings = { ...defaultSettings('/data'), uploadLimit: 30_000 }

  it('keeps a disabled limit disabled when only its value changes, and applies it once enabled', () => {
    const speeds = new SpeedMemory()
    expect(settingsChange({ 'speed-limit-down': 70 }, settings, speeds)).toEqual({})
    expect(speeds.down).toBe(70)
    expect(settingsChange({ 'speed-limit-down-enabled': true }, settings, speeds)).toEqual({
      downloadLimit: 70_000,
    })
    expect(settingsChange({ 'speed-limit-up': 5 }, settings, speeds)).toEqual({ uploadLimit: 5000 })
    expect(settingsChange({ 'speed-limit-up-enabled': false }, settings, speeds)).toEqual({
      uploadLimit: null,
    })
  })

  it('maps queues, ratio and switches, and names what it cannot do', () => {
    const speeds = new SpeedMemory()
    expect(
      settingsChange(
        { 'download-queue-size': 3, seedRatioLimited: true, seedRatioLimit: 1.5, 'dht-enabled': false },
        settings,
        speeds,
      ),
    ).toEqual({ maxActiveDownloads: 3, seedRatioLimit: 1.5, dht: false })
    expect(() =>
      settingsChange({ 'alt-speed-enabled': true, encryption: 'required' }, settings, speeds),
    ).toThrow(/does not support alt-speed-enabled, encryption/)
    expect(() => settingsChange({ 'speed-limit-down': 'fast' }, settings, speeds)).toThrow(/must be a number/)
  })
})
