import { describe, expect, it } from 'vitest'
import type { StatsSample, TorrentView } from '../../../src/api/contract.ts'
import { formatBytes, formatDuration, formatPercent } from '../../../renderer/src/format.ts'
import { initialState, MAX_SAMPLES, reduce } from '../../../renderer/src/state.ts'
import { defaultSettings } from '../../../src/api/settings-store.ts'

function torrent(infoHash: string, progress: number): TorrentView {
  return {
    infoHash,
    name: infoHash.slice(0, 4),
    length: 100,
    downloaded: progress * 100,
    uploaded: 0,
    progress,
    downloadSpeed: 0,
    uploadSpeed: 0,
    numPeers: 0,
    timeRemaining: null,
    done: progress === 1,
    hasMetadata: true,
    provenance: { status: 'unchecked' },
    state: progress === 1 ? 'seeding' : 'downloading',
    paused: false,
    savePath: '/tmp',
    addedAt: 0,
    ratio: 0,
    error: null,
  }
}

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)

describe('the renderer state', () => {
  it('updates a torrent in place, keeping the list order, and removes it', () => {
    let state = reduce(initialState, { type: 'torrents', torrents: [torrent(A, 0), torrent(B, 0)] })
    state = reduce(state, { type: 'torrent-updated', torrent: torrent(A, 0.5) })
    expect([...state.torrents.values()].map((t) => [t.infoHash, t.progress])).toEqual([
      [A, 0.5],
      [B, 0],
    ])
    state = reduce(state, { type: 'torrent-removed', infoHash: A })
    expect([...state.torrents.keys()]).toEqual([B])
  })

  it('keeps the last five minutes of samples and the last few notices', () => {
    let state = initialState
    for (let i = 0; i < MAX_SAMPLES + 10; i++) {
      const sample: StatsSample = { at: i, downloadSpeed: i, uploadSpeed: 0, hashFailures: 0 }
      state = reduce(state, { type: 'sample', sample })
    }
    expect(state.samples).toHaveLength(MAX_SAMPLES)
    expect(state.samples[0]?.at).toBe(10)
    for (let i = 0; i < 10; i++) state = reduce(state, { type: 'notice', level: 'info', message: `n${i}` })
    expect(state.notices.map((notice) => notice.message)).toEqual(['n6', 'n7', 'n8', 'n9'])
    state = reduce(state, { type: 'dismiss-notice', id: state.notices[0]!.id })
    expect(state.notices.map((notice) => notice.message)).toEqual(['n7', 'n8', 'n9'])
  })

  it('formats sizes, durations and percentages for people', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB')
    expect(formatDuration(null)).toBe('—')
    expect(formatDuration(59_000)).toBe('59 s')
    expect(formatDuration(3_723_000)).toBe('1 h 2 min')
    expect(formatPercent(0.4567)).toBe('45.7%')
    expect(formatPercent(1)).toBe('100%')
  })
})

describe('settings saved while another save is on its way', () => {
  it("keeps a second change when the first save's answer (without it) arrives, until its own answer", () => {
    const server = defaultSettings('/downloads')
    let state = reduce(initialState, { type: 'settings', settings: server })
    state = reduce(state, { type: 'settingsEdited', change: { maxActiveDownloads: 3 } })
    state = reduce(state, { type: 'settingsEdited', change: { pex: false } })
    // The first answer knows only the first change; a settings.changed event says the same.
    const afterFirst = { ...server, maxActiveDownloads: 3 }
    state = reduce(state, { type: 'settingsSaved', settings: afterFirst })
    expect(state.settings?.pex, 'the unchecked box stays unchecked').toBe(false)
    state = reduce(state, { type: 'settings', settings: afterFirst })
    expect(state.settings?.pex).toBe(false)
    state = reduce(state, { type: 'settingsSaved', settings: { ...afterFirst, pex: false } })
    expect(state.settings).toEqual({ ...server, maxActiveDownloads: 3, pex: false })
    expect(state.unsavedSettings).toEqual({ change: {}, saves: 0 })
    // Nothing pending any more: the back end's word is final again.
    state = reduce(state, { type: 'settings', settings: server })
    expect(state.settings).toEqual(server)
  })
})
