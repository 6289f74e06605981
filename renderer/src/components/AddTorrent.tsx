import { useId, useRef, useState, type FormEvent } from 'react'

interface Props {
  onAddSource(source: string): Promise<boolean>
  onAddFile(file: File): Promise<boolean>
  /** Peers to dial for every torrent added (also those dropped on the window). */
  peers: string
  onPeersChange(peers: string): void
}

/** Element ids the keyboard shortcuts reach (o, m). */
export const MAGNET_INPUT_ID = 'magnet-input'
export const FILE_INPUT_ID = 'torrent-file-input'

/** Add by magnet link or infohash, or by picking a .torrent file (dropping one works anywhere). */
export function AddTorrent({ onAddSource, onAddFile, peers, onPeersChange }: Props) {
  const sourceId = MAGNET_INPUT_ID
  const peersId = useId()
  const [source, setSource] = useState('')
  const [busy, setBusy] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (source.trim() === '') return
    setBusy(true)
    if (await onAddSource(source.trim())) setSource('')
    setBusy(false)
  }

  async function pickFile() {
    const file = fileInput.current?.files?.[0]
    if (!file) return
    setBusy(true)
    await onAddFile(file)
    if (fileInput.current) fileInput.current.value = ''
    setBusy(false)
  }

  return (
    <form className="add-torrent" onSubmit={(event) => void submit(event)} aria-label="Add a torrent">
      <div className="add-row">
        <label htmlFor={sourceId}>Magnet link or infohash</label>
        <input
          id={sourceId}
          type="text"
          value={source}
          placeholder="magnet:?xt=urn:btih:…"
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => setSource(event.target.value)}
        />
        <button type="submit" disabled={busy || source.trim() === ''}>
          Add
        </button>
        <span className="or">or</span>
        <button type="button" disabled={busy} onClick={() => fileInput.current?.click()}>
          Open .torrent file…
        </button>
        <input
          ref={fileInput}
          id={FILE_INPUT_ID}
          hidden
          aria-label=".torrent file"
          type="file"
          accept=".torrent,application/x-bittorrent"
          onChange={() => void pickFile()}
        />
      </div>
      <details className="advanced">
        <summary>Advanced</summary>
        <label htmlFor={peersId}>Connect to peers directly (HOST:PORT, separated by spaces)</label>
        <input
          id={peersId}
          type="text"
          value={peers}
          placeholder="192.0.2.7:6881"
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => onPeersChange(event.target.value)}
        />
      </details>
    </form>
  )
}
