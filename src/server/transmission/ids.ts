/**
 * Transmission's torrent ids: small integers, stable for the life of the session (this `serve`),
 * assigned in the order torrents are first seen; requests may also name torrents by hash string.
 */
import type { TorrentView } from '../../api/contract.ts'

/** How long a removed torrent is reported in `removed` for `ids: "recently-active"`. */
const RECENTLY_MS = 60_000

export class TorrentIds {
  readonly #byHash = new Map<string, number>()
  readonly #removed = new Map<number, number>()
  #next = 1

  idOf(infoHash: string): number {
    let id = this.#byHash.get(infoHash)
    if (id === undefined) {
      id = this.#next++
      this.#byHash.set(infoHash, id)
    }
    return id
  }

  /** The torrent left the engine: its id is never reused, and reported as removed for a minute. */
  forget(infoHash: string, now: number): void {
    const id = this.#byHash.get(infoHash)
    if (id === undefined) return
    this.#byHash.delete(infoHash)
    this.#removed.set(id, now)
  }

  recentlyRemoved(now: number): number[] {
    for (const [id, at] of this.#removed) if (now - at > RECENTLY_MS) this.#removed.delete(id)
    return [...this.#removed.keys()]
  }

  /**
   * The torrents a request's `ids` names: absent = all; a number, a hash string, or an array of
   * them; `"recently-active"` = those with traffic now (plus `removed`, see recentlyRemoved).
   * Unknown ids are skipped, as Transmission does.
   */
  select(torrents: TorrentView[], ids: unknown): TorrentView[] | { error: string } {
    for (const torrent of torrents) this.idOf(torrent.infoHash)
    if (ids === undefined) return torrents
    if (ids === 'recently-active') {
      return torrents.filter((torrent) => torrent.downloadSpeed > 0 || torrent.uploadSpeed > 0)
    }
    const wanted = Array.isArray(ids) ? ids : [ids]
    const numbers = new Set<number>()
    const hashes = new Set<string>()
    for (const id of wanted) {
      if (typeof id === 'number' && Number.isInteger(id)) numbers.add(id)
      else if (typeof id === 'string' && /^[0-9a-f]{40}$/i.test(id)) hashes.add(id.toLowerCase())
      else if (typeof id === 'string' && /^\d+$/.test(id)) numbers.add(Number(id))
      else
        return {
          error: `invalid torrent id ${JSON.stringify(id)}: expected a number or a 40-character hash string`,
        }
    }
    return torrents.filter(
      (torrent) => hashes.has(torrent.infoHash) || numbers.has(this.idOf(torrent.infoHash)),
    )
  }
}
