import { useId, useState, type FormEvent } from 'react'
import type { TorrentDetailsView, TorrentLimits, TorrentView } from '../../../../src/api/contract.ts'
import { formatBytes, formatDate } from '../../format.ts'
import { NumberSetting } from '../SettingInputs.tsx'

const KIB = 1024

interface Props {
  torrent: TorrentView
  details: TorrentDetailsView
  onAddPeer(address: string): Promise<boolean>
  onReannounce(): Promise<void>
  onCopyPath(path: string): Promise<void>
  /** Desktop only: show the torrent's data in the file manager. */
  onReveal?: (() => Promise<void>) | undefined
  /** Set this torrent's own limits; false when refused (the field shows the old value again). */
  onLimits(change: Partial<TorrentLimits>): Promise<boolean>
}

/** Where the files are, the numbers that do not fit the row, and the two manual nudges. */
export function GeneralTab({
  torrent,
  details,
  onAddPeer,
  onReannounce,
  onCopyPath,
  onReveal,
  onLimits,
}: Props) {
  const peerId = useId()
  const [peer, setPeer] = useState('')
  const [busy, setBusy] = useState(false)

  async function addPeer(event: FormEvent) {
    event.preventDefault()
    if (peer.trim() === '') return
    setBusy(true)
    if (await onAddPeer(peer.trim())) setPeer('')
    setBusy(false)
  }

  return (
    <div className="general">
      <dl className="facts">
        <dt>Save path</dt>
        <dd>
          <code className="save-path">{details.savePath}</code>{' '}
          <button type="button" className="quiet" onClick={() => void onCopyPath(details.savePath)}>
            Copy path
          </button>
          {onReveal ? (
            <>
              {' '}
              <button type="button" className="quiet" onClick={() => void onReveal()}>
                Show in file manager
              </button>
            </>
          ) : null}
        </dd>
        <dt>Size</dt>
        <dd>
          {formatBytes(torrent.length)} in {details.pieceCount} pieces of {formatBytes(details.pieceLength)}
        </dd>
        <dt>Downloaded</dt>
        <dd>{formatBytes(torrent.downloaded)}</dd>
        <dt>Uploaded</dt>
        <dd>
          {formatBytes(torrent.uploaded)} (ratio {torrent.ratio.toFixed(2)})
        </dd>
        <dt>Added</dt>
        <dd>{formatDate(torrent.addedAt)}</dd>
        <dt>Infohash</dt>
        <dd>
          <code>{torrent.infoHash}</code>
        </dd>
      </dl>
      <fieldset className="torrent-limits">
        <legend>Speed limits of this torrent</legend>
        <NumberSetting
          label="Download limit of this torrent"
          unit="KiB/s"
          scale={KIB}
          value={details.limits.downloadLimit}
          emptyMeans="no limit of its own"
          hint="Within the global limits of the settings."
          onSave={(value) => onLimits({ downloadLimit: value })}
        />
        <NumberSetting
          label="Upload limit of this torrent"
          unit="KiB/s"
          scale={KIB}
          value={details.limits.uploadLimit}
          emptyMeans="no limit of its own"
          onSave={(value) => onLimits({ uploadLimit: value })}
        />
      </fieldset>
      <form className="toolbar" aria-label="Peers and trackers" onSubmit={(event) => void addPeer(event)}>
        <label htmlFor={peerId}>Add a peer</label>
        <input
          id={peerId}
          type="text"
          value={peer}
          placeholder="192.0.2.7:6881"
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => setPeer(event.target.value)}
        />
        <button type="submit" disabled={busy || peer.trim() === ''}>
          Connect
        </button>
        <button type="button" onClick={() => void onReannounce()}>
          Re-announce
        </button>
      </form>
    </div>
  )
}
