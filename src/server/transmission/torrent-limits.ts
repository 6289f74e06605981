/**
 * A torrent's own speed limits in Transmission's terms (torrent-set and torrent-get): a value in
 * kB/s plus a `…Limited` switch, where Vouch keeps one nullable bytes-per-second number per
 * direction (torrents.setLimits). The value of a switched-off limit is remembered here, as
 * Transmission does, so switching it on again brings it back.
 */
import type { TorrentLimits } from '../../api/contract.ts'
import { DEFAULT_SPEED_KB, flag, limit, number, SPEED_BYTES } from './session.ts'

type Arguments = Record<string, unknown>

export const TORRENT_LIMIT_KEYS: readonly string[] = [
  'downloadLimit',
  'downloadLimited',
  'uploadLimit',
  'uploadLimited',
]

/** Kilobytes per second, as torrent-get reports a limit (on or off). */
export interface RememberedSpeeds {
  down: number
  up: number
}

export class TorrentSpeedMemory {
  readonly #speeds = new Map<string, RememberedSpeeds>()

  /** Whether a torrent-set touches the limits at all. */
  static asksForLimits(args: Arguments): boolean {
    return TORRENT_LIMIT_KEYS.some((key) => args[key] !== undefined)
  }

  /** The values torrent-get reports for a torrent whose limits are `current`. */
  remembered(infoHash: string, current: TorrentLimits): RememberedSpeeds {
    const kilobytes = (bytes: number | null, fallback: number) =>
      bytes === null ? fallback : Math.round(bytes / SPEED_BYTES)
    const known = this.#speeds.get(infoHash) ?? { down: DEFAULT_SPEED_KB, up: DEFAULT_SPEED_KB }
    return {
      down: kilobytes(current.downloadLimit, known.down),
      up: kilobytes(current.uploadLimit, known.up),
    }
  }

  /** The torrents.setLimits change a torrent-set asks for (empty when nothing changes). */
  change(infoHash: string, args: Arguments, current: TorrentLimits): Partial<TorrentLimits> {
    const remembered = this.remembered(infoHash, current)
    const down = limit(
      current.downloadLimit,
      remembered.down,
      number(args, 'downloadLimit', 0, 'torrent-set'),
      flag(args, 'downloadLimited', 'torrent-set'),
    )
    const up = limit(
      current.uploadLimit,
      remembered.up,
      number(args, 'uploadLimit', 0, 'torrent-set'),
      flag(args, 'uploadLimited', 'torrent-set'),
    )
    this.#speeds.set(infoHash, { down: down.remembered, up: up.remembered })
    const change: Partial<TorrentLimits> = {}
    if (down.setting !== current.downloadLimit) change.downloadLimit = down.setting
    if (up.setting !== current.uploadLimit) change.uploadLimit = up.setting
    return change
  }

  forget(infoHash: string): void {
    this.#speeds.delete(infoHash)
  }
}
