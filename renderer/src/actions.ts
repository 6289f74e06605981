// What the UI asks of the back end, beyond a single call: each turns a result into state actions.
import type { AddResult } from '../../src/api/contract.ts'
import type { Api } from './api.ts'
import type { Action } from './state.ts'

export type Dispatch = (action: Action) => void

/** The largest .torrent the back end accepts (src/engine/source.ts MAX_TORRENT_FILE_BYTES). */
const MAX_TORRENT_FILE_BYTES = 16 * 1024 * 1024

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  const chunk = 0x8000
  for (let start = 0; start < bytes.length; start += chunk) {
    binary += String.fromCharCode(...bytes.subarray(start, start + chunk))
  }
  return btoa(binary)
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function handleAddResult(result: AddResult, dispatch: Dispatch): boolean {
  if (result.status === 'refused') {
    dispatch({ type: 'refused', refusal: result.refusal })
    return false
  }
  dispatch({ type: 'notice', level: 'info', message: `Added ${result.name}` })
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
    const contentBase64 = toBase64(new Uint8Array(await file.arrayBuffer()))
    return handleAddResult(
      await api.call('torrents.addFile', { fileName: file.name, contentBase64, ...options }),
      dispatch,
    )
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not add ${file.name}: ${describe(error)}` })
    return false
  }
}

export async function removeTorrent(api: Api, dispatch: Dispatch, infoHash: string, name: string) {
  try {
    await api.call('torrents.remove', { infoHash })
    dispatch({ type: 'torrent-removed', infoHash })
    dispatch({ type: 'notice', level: 'info', message: `Removed ${name}` })
  } catch (error) {
    dispatch({ type: 'notice', level: 'error', message: `Could not remove ${name}: ${describe(error)}` })
  }
}
