/**
 * Hand-written checks for the hot results the dispatcher validates on every call. zod parses a
 * 2,000-torrent `torrents.list` result object by object and copies each one; these checks only
 * look. A check accepts a value only if it has exactly the schema's keys and every field is what
 * the schema demands, so an accepted value is exactly what zod would return (zod would accept it
 * and output an equal copy); anything else is left to zod, which then strips extra keys or
 * reports what is wrong. test/unit/api/fast-checks.test.ts holds the checks to that against the
 * schema on generated values.
 */
import { TORRENT_STATES, type Commands, type CommandName } from './contract.ts'

type Fields = Record<string, unknown>

const TORRENT_VIEW_KEYS = [
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
  'hasMetadata',
  'provenance',
  'state',
  'paused',
  'savePath',
  'addedAt',
  'ratio',
  'error',
] as const

const INFO_HASH = /^[0-9a-f]{40}$/
const STATES: ReadonlySet<unknown> = new Set(TORRENT_STATES)

/** A plain (or null-prototype) object with exactly `count` own keys (each then checked by name). */
function plain(value: unknown, count: number): value is Fields {
  if (typeof value !== 'object' || value === null) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return (prototype === Object.prototype || prototype === null) && Object.keys(value).length === count
}

const nonNegative = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0

function isPublisher(value: unknown): boolean {
  return plain(value, 2) && typeof value.name === 'string' && typeof value.fingerprint === 'string'
}

function isProvenance(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  switch ((value as Fields).status) {
    case 'unchecked':
    case 'unsigned-allowed':
      return plain(value, 1)
    case 'held':
      return plain(value, 2) && (value.waitingFor === 'signature' || value.waitingFor === 'metadata')
    case 'signed':
      return (
        plain(value, 2) &&
        Array.isArray(value.publishers) &&
        value.publishers.length > 0 &&
        value.publishers.every(isPublisher)
      )
    default:
      return false
  }
}

/**
 * Views already accepted that cannot change: the list keeps an idle torrent's view as one object,
 * frozen all the way down (view-cache.ts), so it is checked once, not on every list.
 */
const acceptedFrozen = new WeakSet<object>()

export function isTorrentView(value: unknown): boolean {
  if (typeof value === 'object' && value !== null && acceptedFrozen.has(value)) return true
  if (!checkTorrentView(value)) return false
  if (isDeepFrozenView(value)) acceptedFrozen.add(value)
  return true
}

/** Frozen, and so is its provenance (and that provenance's publishers, when signed). */
function isDeepFrozenView(view: Fields): boolean {
  const provenance = view.provenance as Fields
  const publishers = provenance.publishers as Fields[] | undefined
  return (
    Object.isFrozen(view) &&
    Object.isFrozen(provenance) &&
    (publishers === undefined || (Object.isFrozen(publishers) && publishers.every((p) => Object.isFrozen(p))))
  )
}

function checkTorrentView(value: unknown): value is Fields {
  if (!plain(value, TORRENT_VIEW_KEYS.length)) return false
  for (const key of TORRENT_VIEW_KEYS) if (!Object.hasOwn(value, key)) return false
  const view = value
  return (
    typeof view.infoHash === 'string' &&
    INFO_HASH.test(view.infoHash) &&
    typeof view.name === 'string' &&
    nonNegative(view.length) &&
    nonNegative(view.downloaded) &&
    nonNegative(view.uploaded) &&
    nonNegative(view.progress) &&
    (view.progress as number) <= 1 &&
    nonNegative(view.downloadSpeed) &&
    nonNegative(view.uploadSpeed) &&
    Number.isSafeInteger(view.numPeers) &&
    (view.numPeers as number) >= 0 &&
    (view.timeRemaining === null || nonNegative(view.timeRemaining)) &&
    typeof view.done === 'boolean' &&
    typeof view.hasMetadata === 'boolean' &&
    isProvenance(view.provenance) &&
    STATES.has(view.state) &&
    typeof view.paused === 'boolean' &&
    typeof view.savePath === 'string' &&
    nonNegative(view.addedAt) &&
    nonNegative(view.ratio) &&
    (view.error === null || typeof view.error === 'string')
  )
}

/** Results with a fast check; true means the value is exactly what the command's schema outputs. */
export const FAST_RESULT_CHECKS: { [K in CommandName]?: (value: unknown) => value is Commands[K]['result'] } =
  {
    'torrents.list': (value): value is Commands['torrents.list']['result'] =>
      Array.isArray(value) && value.every(isTorrentView),
  }
