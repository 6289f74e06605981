/**
 * The torrent list's search, state filter and sort (renderer/src/torrent-list.ts). Sorting 2,000
 * rows on every keystroke made it compute each sort value once and compare names with one
 * Intl.Collator; it must still give what comparing with localeCompare in every comparison gave,
 * ties in the order the torrents were added.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TORRENT_STATES, type TorrentState, type TorrentView } from '../../../src/api/contract.ts'
import {
  DEFAULT_VIEW,
  FILTER_STATES,
  SORT_LABELS,
  visibleTorrents,
  type ListView,
  type SortKey,
} from '../../../renderer/src/torrent-list.ts'

function view(index: number, changes: Partial<TorrentView>): TorrentView {
  return {
    infoHash: index.toString(16).padStart(40, '0'),
    name: `t${index}`,
    length: 1000,
    downloaded: 0,
    uploaded: 0,
    progress: 0,
    downloadSpeed: 0,
    uploadSpeed: 0,
    numPeers: 0,
    timeRemaining: null,
    done: false,
    hasMetadata: true,
    provenance: { status: 'unsigned-allowed' },
    state: 'downloading',
    paused: false,
    savePath: '/data',
    addedAt: 1_700_000_000_000 + index,
    ratio: 0,
    error: null,
    ...changes,
  }
}

const torrents = fc
  .array(
    fc.record({
      name: fc.oneof(
        fc.string({ maxLength: 6 }),
        fc.constantFrom('Äpfel', 'apfel', 'Zebra', 'zebra', 'éclair'),
      ),
      state: fc.constantFrom(...TORRENT_STATES),
      progress: fc.constantFrom(0, 0.5, 1),
      downloadSpeed: fc.constantFrom(0, 10, 500),
      timeRemaining: fc.constantFrom(null, 1000, 5000),
      numPeers: fc.nat(3),
      addedAt: fc.constantFrom(1, 2, 3),
    }),
    { maxLength: 30 },
  )
  .map((rows) => rows.map((row, index) => view(index, row)))

const views = fc.record({
  search: fc.constantFrom('', 't1', 'APF', 'a z', '0000'),
  state: fc.constantFrom<TorrentState | null>(null, ...TORRENT_STATES),
  sort: fc.constantFrom(...(Object.keys(SORT_LABELS) as SortKey[])),
  descending: fc.boolean(),
})

describe('the torrent list view', () => {
  it('offers every state of the contract once in its filter', () => {
    expect([...FILTER_STATES].sort()).toEqual([...TORRENT_STATES].sort())
  })

  it('filters as asked, and sorts names as localeCompare in every comparison did, ties in the order added', () => {
    fc.assert(
      fc.property(torrents, views, (all, list) => {
        const words = list.search.toLocaleLowerCase().split(/\s+/).filter(Boolean)
        const matching = all.filter(
          (torrent) =>
            (list.state === null || torrent.state === list.state) &&
            words.every(
              (word) => torrent.name.toLocaleLowerCase().includes(word) || torrent.infoHash === word,
            ),
        )
        const shown = visibleTorrents(all, list)
        expect(new Set(shown)).toEqual(new Set(matching))
        expect(shown).toHaveLength(matching.length)
        const byName = matching
          .map((torrent, index) => ({ torrent, index }))
          .sort((a, b) => {
            const order =
              a.torrent.name.toLocaleLowerCase().localeCompare(b.torrent.name.toLocaleLowerCase()) *
              (list.descending ? -1 : 1)
            return order !== 0 ? order : a.index - b.index
          })
          .map(({ torrent }) => torrent)
        expect(visibleTorrents(all, { ...list, sort: 'name' })).toEqual(byName)
      }),
    )
  })

  it('puts unknown times after known ones and keeps the order added among equals', () => {
    const all = [
      view(0, { timeRemaining: null }),
      view(1, { timeRemaining: 9000, downloadSpeed: 5, numPeers: 1 }),
      view(2, { timeRemaining: 1000, downloadSpeed: 5, numPeers: 1 }),
      view(3, { timeRemaining: null }),
    ]
    const names = (list: ListView) => visibleTorrents(all, list).map((torrent) => torrent.name)
    expect(names({ ...DEFAULT_VIEW, sort: 'timeRemaining' })).toEqual(['t2', 't1', 't0', 't3'])
    expect(names({ ...DEFAULT_VIEW, sort: 'timeRemaining', descending: true })).toEqual([
      't0',
      't3',
      't1',
      't2',
    ])
  })
})
