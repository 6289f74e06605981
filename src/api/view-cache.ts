/**
 * `torrents.list` over 2,000 torrents, most of them idle: each call used to build 2,000 view objects
 * and serialise them all again. Here a torrent whose stats and provenance did not change since the
 * last list keeps the very same frozen view object, and the WebSocket transport serialises a frozen
 * object of a result only once (serializeMessage below), so a call costs the stats and a comparison
 * per torrent, plus the JSON of the torrents that changed.
 */
import type { TorrentStats } from '../engine/events.ts'
import type { CommandResponse, EventMessage, Provenance, TorrentView } from './contract.ts'

interface Entry {
  stats: TorrentStats
  provenance: Provenance
  view: TorrentView
}

const STATS_KEYS = [
  'infoHash',
  'name',
  'length',
  'downloaded',
  'uploaded',
  'progress',
  'downloadSpeed',
  'uploadSpeed',
  'numPeers',
  'timeRemaining',
  'done',
  'paused',
  'queued',
  'hasMetadata',
  'checking',
  'savePath',
  'addedAt',
  'ratio',
  'error',
] as const satisfies readonly (keyof TorrentStats)[]

function sameStats(a: TorrentStats, b: TorrentStats): boolean {
  for (const key of STATS_KEYS) if (!Object.is(a[key], b[key])) return false
  return true
}

/** Freeze a view and everything in it: the transport keeps its JSON for as long as the object lives. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

export class TorrentViewCache {
  readonly #build: (stats: TorrentStats, provenance: Provenance) => TorrentView
  #entries = new Map<string, Entry>()

  constructor(build: (stats: TorrentStats, provenance: Provenance) => TorrentView) {
    this.#build = build
  }

  /**
   * The view of each torrent, in order: the previous view object (frozen) while the torrent's stats
   * are equal field for field and its provenance is the same object, else a new one. Torrents no
   * longer listed are forgotten.
   */
  views(all: readonly TorrentStats[], provenanceOf: (infoHash: string) => Provenance): TorrentView[] {
    const next = new Map<string, Entry>()
    const views = all.map((stats) => {
      const provenance = provenanceOf(stats.infoHash)
      const previous = this.#entries.get(stats.infoHash)
      const entry =
        previous && previous.provenance === provenance && sameStats(previous.stats, stats)
          ? previous
          : { stats, provenance, view: deepFreeze(this.#build(stats, provenance)) }
      next.set(stats.infoHash, entry)
      return entry.view
    })
    this.#entries = next
    return views
  }
}

/** The JSON of frozen objects met in results (views above), made once per object. */
const serialized = new WeakMap<object, string>()

function jsonOf(item: unknown): string {
  // As inside an array, where JSON.stringify writes what it cannot represent as null.
  if (typeof item !== 'object' || item === null || !Object.isFrozen(item))
    return JSON.stringify(item) ?? 'null'

  let json = serialized.get(item)
  if (json === undefined) {
    json = JSON.stringify(item)
    serialized.set(item, json)
  }
  return json
}

/**
 * JSON.stringify(message), with each frozen object of an array result serialised once for its
 * lifetime. Frozen all the way down (deepFreeze), such an object cannot differ from its JSON.
 */
export function serializeMessage(message: CommandResponse | EventMessage): string {
  if (!('result' in message) || !Array.isArray(message.result)) return JSON.stringify(message)
  const { result, ...rest } = message
  // `result` last, as an empty array: its items go between the brackets.
  const envelope = JSON.stringify({ ...rest, result: [] })
  return `${envelope.slice(0, -2)}${(result as unknown[]).map(jsonOf).join(',')}]}`
}
