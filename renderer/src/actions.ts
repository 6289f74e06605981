// What the UI asks of the back end, beyond a single call: each turns a result into state actions.
import type {
  AddResult,
  BlocklistImport,
  CommandArgs,
  OfferResult,
  PublisherView,
  ReportFormat,
  Settings,
  TorrentView,
} from '../../src/api/contract.ts'
import type { Api } from './api.ts'
import type { Action } from './state.ts'

export type Dispatch = (action: Action) => void

/** The largest .torrent the back end accepts (src/engine/source.ts MAX_TORRENT_FILE_BYTES). */
const MAX_TORRENT_FILE_BYTES = 16 * 1024 * 1024

export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  const chunk = 0x8000
  for (let start = 0; start < bytes.length; start += chunk) {
    binary += String.fromCharCode(...bytes.subarray(start, start + chunk))
  }
  return btoa(binary)
}

/** A file as the back end takes it: its name and its bytes in base64. */
async function upload(file: File) {
  return { fileName: file.name, contentBase64: toBase64(new Uint8Array(await file.arrayBuffer())) }
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function handleAddResult(result: AddResult, dispatch: Dispatch): boolean {
  if (result.status === 'refused') {
    dispatch({ type: 'refused', refusal: result.refusal })
    return false
  }
  dispatch({
    type: 'notice',
    level: 'info',
    message: result.duplicate ? `${result.name} is already there` : `Added ${result.name}`,
  })
  return true
}

export interface AddOptions {
  peers?: string[]
  allowUnsigned?: boolean
}

/** Add a magnet link or infohash. Resolves true when the torrent was added. */
export async function addSource(api: Api, dispatch: Dispatch, source: string, options: AddOptions = {}) {
  try {
    return handleAddResult(await api.call('torrents.add', { source, ...options }), dispatch)
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not add: ${describe(error)}` })
    return false
  }
}

/** Add a .torrent file picked or dropped by the user. */
export async function addTorrentFile(api: Api, dispatch: Dispatch, file: File, options: AddOptions = {}) {
  if (file.size > MAX_TORRENT_FILE_BYTES) {
    dispatch({ type: 'notice', level: 'error', message: `${file.name} is too large to be a .torrent file` })
    return false
  }
  try {
    return handleAddResult(
      await api.call('torrents.addFile', { ...(await upload(file)), ...options }),
      dispatch,
    )
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not add ${file.name}: ${describe(error)}` })
    return false
  }
}

export async function removeTorrent(
  api: Api,
  dispatch: Dispatch,
  infoHash: string,
  name: string,
  deleteData = false,
) {
  try {
    await api.call('torrents.remove', { infoHash, ...(deleteData ? { deleteData } : {}) })
    dispatch({ type: 'torrent-removed', infoHash })
    dispatch({
      type: 'notice',
      level: 'info',
      message: deleteData ? `Removed ${name} and deleted its data` : `Removed ${name}`,
    })
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not remove ${name}: ${describe(error)}` })
  }
}

/** Pause or resume a torrent; the view that comes back replaces the row at once. */
export async function setPaused(api: Api, dispatch: Dispatch, torrent: TorrentView, paused: boolean) {
  try {
    const view = await api.call(paused ? 'torrents.pause' : 'torrents.resume', { infoHash: torrent.infoHash })
    dispatch({ type: 'torrent-updated', torrent: view })
  } catch (error) {
    const verb = paused ? 'pause' : 'resume'
    dispatch({
      type: 'notice',
      level: 'error',
      message: `Could not ${verb} ${torrent.name}: ${describe(error)}`,
    })
  }
}

/** Save some settings; resolves false (after saying why) when the back end refused them. */
export async function saveSettings(
  api: Api,
  dispatch: Dispatch,
  change: Partial<Settings>,
): Promise<boolean> {
  dispatch({ type: 'settingsEdited', change })
  try {
    dispatch({ type: 'settingsSaved', settings: await api.call('settings.set', change) })
    return true
  } catch (error) {
    dispatch({ type: 'settingsSaved', settings: null })
    dispatch({ type: 'notice', level: 'error', message: `Could not save the setting: ${describe(error)}` })
    await api.call('settings.get', {}).then(
      (settings) => dispatch({ type: 'settings', settings }),
      () => undefined,
    )
    return false
  }
}

export async function refreshPublishers(api: Api, dispatch: Dispatch) {
  const { publishers, groups } = await api.call('trust.list', {})
  dispatch({ type: 'publishers', publishers, groups })
}

export async function refreshBans(api: Api, dispatch: Dispatch) {
  dispatch({ type: 'bans', bans: await api.call('bans.list', {}) })
}

export async function refreshPeers(api: Api, dispatch: Dispatch) {
  dispatch({ type: 'peers', peers: await api.call('peers.list', {}) })
}

/** Pin a publisher; resolves true when pinned. */
export async function pinPublisher(api: Api, dispatch: Dispatch, request: CommandArgs<'trust.pin'>) {
  try {
    const pinned = await api.call('trust.pin', request)
    dispatch({ type: 'notice', level: 'info', message: `Pinned ${pinned.name} (${pinned.fingerprint})` })
    await refreshPublishers(api, dispatch)
    return true
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not pin: ${describe(error)}` })
    return false
  }
}

export async function changePublisher(
  api: Api,
  dispatch: Dispatch,
  command: 'trust.remove' | 'trust.revoke',
  publisher: PublisherView,
) {
  try {
    await api.call(command, { fingerprint: publisher.fingerprint })
    const verb = command === 'trust.remove' ? 'Removed' : 'Revoked'
    dispatch({ type: 'notice', level: 'info', message: `${verb} ${publisher.name}` })
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: describe(error) })
  }
  await refreshPublishers(api, dispatch)
}

/** A manual ban from the bans screen or a peer's row; resolves true when made. */
export async function banAddress(
  api: Api,
  dispatch: Dispatch,
  address: string,
  reason: string,
  expiresAt: number | null = null,
): Promise<boolean> {
  try {
    const ban = await api.call('bans.create', {
      address,
      ...(reason ? { reason } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    })
    dispatch({ type: 'notice', level: 'info', message: `Banned ${ban.address}` })
    await Promise.all([refreshBans(api, dispatch), refreshPeers(api, dispatch)])
    return true
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not ban ${address}: ${describe(error)}` })
    return false
  }
}

export async function liftBan(api: Api, dispatch: Dispatch, address: string) {
  try {
    const { lifted, ranges } = await api.call('bans.lift', { address })
    dispatch({
      type: 'notice',
      level: 'info',
      message: `Lifted ${plural(lifted, 'ban')} on ${address}${ranges.length ? ` (covered by ${ranges.join(', ')})` : ''}`,
    })
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: describe(error) })
  }
  await refreshBans(api, dispatch)
}

/** The back end takes uploads of up to 16 MiB (the WebSocket frame limit holds the base64). */
const MAX_UPLOAD_BYTES = 16 * 1024 * 1024
/** A secret key file is one short line; the contract refuses anything much longer. */
const MAX_KEY_FILE_BYTES = 12 * 1024

/** Import a blocklist file the user picked; resolves with what the back end did, or null. */
export async function importBlocklist(
  api: Api,
  dispatch: Dispatch,
  file: File,
  force = false,
): Promise<BlocklistImport | null> {
  if (file.size > MAX_UPLOAD_BYTES) {
    dispatch({ type: 'notice', level: 'error', message: `${file.name} is larger than 16 MiB: gzip it first` })
    return null
  }
  try {
    const result = await api.call('bans.import', { ...(await upload(file)), force })
    const closed = result.connectionsClosed
      ? `, ${plural(result.connectionsClosed, 'connection')} closed`
      : ''
    dispatch({
      type: 'notice',
      level: result.malformedLines || result.refusedCount ? 'warning' : 'info',
      message: `Imported ${plural(result.imported, 'ban')} from ${file.name}${closed}${result.malformedLines ? `; ${plural(result.malformedLines, 'malformed line')} skipped` : ''}${result.refusedCount ? `; ${result.refusedCount} refused (too wide, or covering this machine)` : ''}`,
    })
    await refreshBans(api, dispatch)
    return result
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not import ${file.name}: ${describe(error)}` })
    return null
  }
}

/** Offer envelope text (a sidecar, an envelope, a signed magnet) for a torrent the gate holds. */
export async function offerEnvelope(
  api: Api,
  dispatch: Dispatch,
  infoHash: string,
  text: string,
): Promise<OfferResult | null> {
  try {
    const result = await api.call('torrents.offerEnvelope', { infoHash, text })
    if (result.status === 'accepted') {
      const names = result.publishers.map((publisher) => `${publisher.name} ${publisher.fingerprint}`)
      dispatch({
        type: 'notice',
        level: 'info',
        message: `Signature accepted: signed by ${names.join(', ')}`,
      })
    }
    return result
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not check the signature: ${describe(error)}` })
    return null
  }
}

/**
 * Build the report on the back end and hand it to the browser (or Electron) as a file download.
 * `keyFile`, when given, is read here and sent with this one request; nothing keeps it.
 */
export async function exportBans(
  api: Api,
  dispatch: Dispatch,
  format: ReportFormat,
  pseudonymise: boolean,
  keyFile: File | null = null,
) {
  try {
    if (keyFile && keyFile.size > MAX_KEY_FILE_BYTES)
      throw new Error(`${keyFile.name} is too large to be a Vouch key file`)
    const report = await api.call('bans.export', {
      format,
      ...(pseudonymise ? { pseudonymise } : {}),
      ...(keyFile ? { signingKey: await upload(keyFile) } : {}),
    })
    const url = URL.createObjectURL(new Blob([report.text], { type: report.mediaType }))
    const link = document.createElement('a')
    link.href = url
    link.download = report.fileName
    document.body.append(link)
    link.click()
    link.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
    const omitted = report.omitted ? ` (${report.omitted} IPv6 bans do not fit this format)` : ''
    dispatch({
      type: 'notice',
      level: 'info',
      message: `Exported ${plural(report.included, 'ban')} as ${report.fileName}${report.signedBy ? `, signed by ${report.signedBy}` : ''}${omitted}`,
    })
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not export: ${describe(error)}` })
  }
}
