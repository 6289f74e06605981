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
  listed: number
}

/** Field by field, spelled out: a loop over key names is a keyed load per field, 3x slower here. */
function sameStats(a: TorrentStats, b: TorrentStats): boolean {
  return (
    a.downloaded === b.downloaded &&
    a.uploaded === b.uploaded &&
    a.progress === b.progress &&
    a.downloadSpeed === b.downloadSpeed &&
    a.uploadSpeed === b.uploadSpeed &&
    a.numPeers === b.numPeers &&
    a.timeRemaining === b.timeRemaining &&
    a.done === b.done &&
    a.paused === b.paused &&
    a.queued === b.queued &&
    a.hasMetadata === b.hasMetadata &&
    a.checking === b.checking &&
    a.ratio === b.ratio &&
    a.error === b.error &&
    a.length === b.length &&
    a.name === b.name &&
    a.savePath === b.savePath &&
    a.addedAt === b.addedAt &&
    a.infoHash === b.infoHash
  )
}

/**
 * Freeze a view and everything in it: the transport keeps its JSON for as long as the object lives.
 * Its one nested object is the provenance, shared by every view of the torrent and frozen once.
 */
function freezeView(view: TorrentView): TorrentView {
  Object.freeze(view)
  deepFreeze(view.provenance)
  return view
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

export class TorrentViewCache {
  readonly #build: (stats: TorrentStats, provenance: Provenance) => TorrentView
  readonly #entries = new Map<string, Entry>()
  /** Which call of views() last listed each entry; the others are forgotten. */
  #generation = 0

  constructor(build: (stats: TorrentStats, provenance: Provenance) => TorrentView) {
    this.#build = build
  }

  /**
   * The view of each torrent, in order: the previous view object (frozen) while the torrent's stats
   * are equal field for field and its provenance is the same object, else a new one. Torrents no
   * longer listed are forgotten.
   */
  views(all: readonly TorrentStats[], provenanceOf: (infoHash: string) => Provenance): TorrentView[] {
    const listed = ++this.#generation
    const views: TorrentView[] = []
    for (const stats of all) views.push(this.#entry(stats, provenanceOf(stats.infoHash), listed).view)
    if (this.#entries.size > views.length) {
      for (const [infoHash, entry] of this.#entries)
        if (entry.listed !== listed) this.#entries.delete(infoHash)
    }
    return views
  }

  /**
   * One torrent's view, kept as `views` keeps it (a `torrent.updated` event and the next list share
   * the object, and so its JSON). Compare it by identity to know whether anything changed.
   */
  view(stats: TorrentStats, provenance: Provenance): TorrentView {
    return this.#entry(stats, provenance, this.#generation).view
  }

  forget(infoHash: string): void {
    this.#entries.delete(infoHash)
  }

  #entry(stats: TorrentStats, provenance: Provenance, listed: number): Entry {
    let entry = this.#entries.get(stats.infoHash)
    // The engine hands back the same stats object while a torrent's numbers cannot have moved; an
    // equal new one takes its place, so the next comparison is by identity again.
    if (entry?.provenance === provenance && (entry.stats === stats || sameStats(entry.stats, stats))) {
      entry.stats = stats
      entry.listed = listed
      return entry
    }
    entry = { stats, provenance, view: freezeView(this.#build(stats, provenance)), listed }
    this.#entries.set(stats.infoHash, entry)
    return entry
  }
}

/** The JSON of frozen objects met in results (views above), made once per object. */
const serialized = new WeakMap<object, string>()

function isFrozenObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Object.isFrozen(value)
}

function jsonOf(item: unknown): string {
  // As inside an array, where JSON.stringify writes what it cannot represent as null.
  if (!isFrozenObject(item)) return JSON.stringify(item) ?? 'null'

  let json = serialized.get(item)
  if (json === undefined) {
    json = JSON.stringify(item)
    serialized.set(item, json)
  }
  return json
}

/**
 * JSON.stringify(message), with each frozen object of an array result serialised once for its
 * lifetime. Frozen all the way down (freezeView), such an object cannot differ from its JSON.
 */
export function serializeMessage(message: CommandResponse | EventMessage): string {
  if ('event' in message && message.event === 'torrent.updated' && isFrozenObject(message.payload)) {
    // A kept view (the cache's, frozen all the way down) sent as an event: its JSON is made once,
    // and a later list reuses it.
    const { payload, ...rest } = message
    const envelope = JSON.stringify({ ...rest, payload: null })
    return `${envelope.slice(0, -5)}${jsonOf(payload)}}`
  }
  if (!('result' in message) || !Array.isArray(message.result)) return JSON.stringify(message)
  const { result, ...rest } = message
  // `result` last, as an empty array: its items go between the brackets.
  const envelope = JSON.stringify({ ...rest, result: [] })
  return `${envelope.slice(0, -2)}${itemsJson(result as unknown[])}]}`
}

/** The last array serialised whose items were all frozen, and its JSON: an idle list repeats it. */
let lastItems: readonly unknown[] = []
let lastJson = ''

function itemsJson(items: readonly unknown[]): string {
  if (
    items.length > 0 &&
    items.length === lastItems.length &&
    items.every((item, index) => item === lastItems[index])
  )
    return lastJson
  const json = items.map(jsonOf).join(',')
  if (items.every(isFrozenObject)) {
    lastItems = [...items]
    lastJson = json
  }
  return json
}
