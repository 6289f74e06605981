/**
 * torrent-get's fields (Transmission RPC spec, section 3.3), computed from the API's TorrentView
 * and, only for the fields that need it, TorrentDetails. Fields Vouch cannot know get the value
 * Transmission gives when it does not know either (-1, 0, empty); unknown names are left out.
 */
import type { TorrentDetailsView, TorrentView } from '../../api/contract.ts'

/** Transmission's tr_torrent_activity. */
export const STATUS = {
  stopped: 0,
  checkWait: 1,
  check: 2,
  downloadWait: 3,
  download: 4,
  seedWait: 5,
  seed: 6,
} as const

/** tr_stat_errtype: 3 is a local error (Transmission's name for "stopped because of us"). */
const LOCAL_ERROR = 3

export interface FieldContext {
  id: number
  torrent: TorrentView
  /** Present when a requested field needs it. */
  details: TorrentDetailsView | null
  /** Bytes of this torrent's pieces that failed their hash, this session. */
  corruptBytes: number
  queuePosition: number
  now: number
  /** kB/s of the torrent's own limits, on or off (torrent-limits.ts); present with `details`. */
  limits: { down: number; up: number; downLimited: boolean; upLimited: boolean } | null
}

export function statusOf(torrent: TorrentView): number {
  switch (torrent.state) {
    case 'downloading':
      return STATUS.download
    case 'seeding':
      return STATUS.seed
    case 'queued':
      return torrent.done ? STATUS.seedWait : STATUS.downloadWait
    case 'held':
      return STATUS.downloadWait
    case 'checking':
      return STATUS.check
    case 'paused':
    case 'refused':
    case 'error':
      return STATUS.stopped
    default: {
      const unknown: never = torrent.state
      return unknown
    }
  }
}

function errorString(torrent: TorrentView): string {
  if (torrent.state === 'refused') return torrent.error ?? 'refused by the provenance policy'
  if (torrent.state === 'error') return torrent.error ?? 'error'
  return ''
}

const seconds = (ms: number) => Math.floor(ms / 1000)
const leftUntilDone = (torrent: TorrentView) => Math.max(0, torrent.length - torrent.downloaded)
const PRIORITY = { skip: 0, low: -1, normal: 0, high: 1 } as const

/** Field name → value. Fields in NEEDS_DETAILS read `details`. */
const FIELDS: Record<string, (context: FieldContext) => unknown> = {
  id: ({ id }) => id,
  hashString: ({ torrent }) => torrent.infoHash,
  name: ({ torrent }) => torrent.name,
  status: ({ torrent }) => statusOf(torrent),
  error: ({ torrent }) => (errorString(torrent) ? LOCAL_ERROR : 0),
  errorString: ({ torrent }) => errorString(torrent),
  percentDone: ({ torrent }) => torrent.progress,
  percentComplete: ({ torrent }) => torrent.progress,
  metadataPercentComplete: ({ torrent }) => (torrent.hasMetadata ? 1 : 0),
  rateDownload: ({ torrent }) => Math.round(torrent.downloadSpeed),
  rateUpload: ({ torrent }) => Math.round(torrent.uploadSpeed),
  // -1: not available (Transmission's TR_ETA_NOT_AVAIL), also once done.
  eta: ({ torrent }) =>
    torrent.done || torrent.timeRemaining === null ? -1 : seconds(torrent.timeRemaining),
  etaIdle: () => -1,
  totalSize: ({ torrent }) => torrent.length,
  sizeWhenDone: ({ torrent }) => torrent.length,
  leftUntilDone: ({ torrent }) => leftUntilDone(torrent),
  desiredAvailable: ({ torrent }) => leftUntilDone(torrent),
  haveValid: ({ torrent }) => torrent.downloaded,
  haveUnchecked: () => 0,
  downloadedEver: ({ torrent }) => torrent.downloaded,
  uploadedEver: ({ torrent }) => torrent.uploaded,
  corruptEver: ({ corruptBytes }) => corruptBytes,
  uploadRatio: ({ torrent }) => (torrent.downloaded > 0 ? torrent.ratio : -1),
  downloadDir: ({ torrent }) => torrent.savePath,
  isFinished: () => false,
  isStalled: ({ torrent }) => torrent.state === 'downloading' && torrent.downloadSpeed === 0,
  isPrivate: () => false,
  addedDate: ({ torrent }) => seconds(torrent.addedAt),
  startDate: ({ torrent }) => seconds(torrent.addedAt),
  activityDate: ({ torrent, now }) =>
    torrent.downloadSpeed > 0 || torrent.uploadSpeed > 0 ? seconds(now) : seconds(torrent.addedAt),
  doneDate: () => 0,
  dateCreated: () => 0,
  queuePosition: ({ queuePosition }) => queuePosition,
  peersConnected: ({ torrent }) => torrent.numPeers,
  peersFrom: ({ torrent }) => ({
    fromCache: 0,
    fromDht: 0,
    fromIncoming: 0,
    fromLpd: 0,
    fromLtep: 0,
    fromPex: 0,
    fromTracker: torrent.numPeers,
  }),
  peersSendingToUs: ({ details }) => details?.peers.filter((peer) => peer.downloadSpeed > 0).length ?? 0,
  peersGettingFromUs: ({ details }) => details?.peers.filter((peer) => peer.uploadSpeed > 0).length ?? 0,
  webseedsSendingToUs: () => 0,
  webseeds: () => [],
  labels: () => [],
  bandwidthPriority: () => 0,
  honorsSessionLimits: () => true,
  downloadLimit: ({ limits }) => limits?.down ?? 0,
  downloadLimited: ({ limits }) => limits?.downLimited ?? false,
  uploadLimit: ({ limits }) => limits?.up ?? 0,
  uploadLimited: ({ limits }) => limits?.upLimited ?? false,
  'peer-limit': () => 50,
  seedRatioLimit: () => 0,
  seedRatioMode: () => 0,
  magnetLink: ({ torrent }) =>
    `magnet:?xt=urn:btih:${torrent.infoHash}&dn=${encodeURIComponent(torrent.name)}`,
  comment: () => '',
  creator: () => '',
  pieceCount: ({ details }) => details?.pieceCount ?? 0,
  pieceSize: ({ details }) => details?.pieceLength ?? 0,
  pieces: ({ details }) => details?.pieces ?? '',
  files: ({ details }) =>
    (details?.files ?? []).map((file) => ({
      name: file.path,
      length: file.length,
      bytesCompleted: file.downloaded,
    })),
  fileStats: ({ details }) =>
    (details?.files ?? []).map((file) => ({
      bytesCompleted: file.downloaded,
      wanted: file.priority !== 'skip',
      priority: PRIORITY[file.priority],
    })),
  wanted: ({ details }) => (details?.files ?? []).map((file) => (file.priority === 'skip' ? 0 : 1)),
  priorities: ({ details }) => (details?.files ?? []).map((file) => PRIORITY[file.priority]),
  peers: ({ details }) =>
    (details?.peers ?? []).map((peer) => ({
      address: peer.address,
      port: peer.port,
      clientName: peer.client,
      flagStr: `${peer.flags.encrypted ? 'E' : ''}${peer.flags.incoming ? 'I' : ''}`,
      isEncrypted: peer.flags.encrypted,
      isIncoming: peer.flags.incoming,
      isUTP: false,
      progress: peer.progress,
      rateToClient: Math.round(peer.downloadSpeed),
      rateToPeer: Math.round(peer.uploadSpeed),
      clientIsChoked: peer.flags.peerChoking,
      clientIsInterested: peer.flags.interested,
      peerIsChoked: peer.flags.choked,
      peerIsInterested: peer.flags.peerInterested,
      isDownloadingFrom: peer.downloadSpeed > 0,
      isUploadingTo: peer.uploadSpeed > 0,
    })),
  trackers: ({ details }) =>
    (details?.trackers ?? []).map((tracker, index) => ({
      id: index,
      announce: tracker.url,
      scrape: '',
      tier: index,
      sitename: hostOf(tracker.url),
    })),
  trackerStats: ({ details }) =>
    (details?.trackers ?? []).map((tracker, index) => ({
      id: index,
      announce: tracker.url,
      host: hostOf(tracker.url),
      sitename: hostOf(tracker.url),
      tier: index,
      scrape: '',
      hasAnnounced: tracker.lastAnnounce !== null,
      lastAnnounceTime: tracker.lastAnnounce === null ? 0 : seconds(tracker.lastAnnounce),
      lastAnnounceSucceeded: tracker.status === 'working',
      lastAnnounceResult: tracker.error ?? (tracker.status === 'working' ? 'Success' : ''),
      lastAnnouncePeerCount: tracker.peers ?? 0,
      // tr_tracker_state: 0 inactive, 1 waiting, 2 queued, 3 active.
      announceState: tracker.status === 'disabled' ? 0 : tracker.status === 'updating' ? 3 : 1,
      seederCount: -1,
      leecherCount: -1,
      downloadCount: -1,
      isBackup: false,
    })),
}

/** Fields computed from TorrentDetails (one extra lookup per torrent, only when asked for). */
const NEEDS_DETAILS = new Set([
  'files',
  'fileStats',
  'wanted',
  'priorities',
  'peers',
  'peersSendingToUs',
  'peersGettingFromUs',
  'trackers',
  'trackerStats',
  'pieces',
  'pieceCount',
  'pieceSize',
  'downloadLimit',
  'downloadLimited',
  'uploadLimit',
  'uploadLimited',
])

export const KNOWN_FIELDS: readonly string[] = Object.keys(FIELDS)

export function needsDetails(fields: readonly string[]): boolean {
  return fields.some((field) => NEEDS_DETAILS.has(field))
}

/** The requested fields Vouch knows, in the order asked. */
export function knownFields(fields: readonly string[]): string[] {
  return fields.filter((field) => Object.hasOwn(FIELDS, field))
}

export function torrentFields(fields: readonly string[], context: FieldContext): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const field of fields) {
    const compute = FIELDS[field]
    if (compute) result[field] = compute(context)
  }
  return result
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname
  } catch {
    return ''
  }
}
