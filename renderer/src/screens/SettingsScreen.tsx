import { useEffect, useId, useState } from 'react'
import type { Settings } from '../../../src/api/contract.ts'
import { NumberSetting, ToggleSetting } from '../components/SettingInputs.tsx'

const KIB = 1024

interface Props {
  settings: Settings | null
  /** Save some settings; resolves false (and says why) when the back end refused them. */
  onSave(change: Partial<Settings>): Promise<boolean>
}

/** Every setting, each saved and applied the moment it is changed. */
export function SettingsScreen({ settings, onSave }: Props) {
  const folderId = useId()
  const themeId = useId()
  const [folder, setFolder] = useState(settings?.downloadDir ?? '')
  useEffect(() => setFolder(settings?.downloadDir ?? ''), [settings?.downloadDir])

  if (!settings) {
    return (
      <section aria-labelledby="settings-title" className="screen">
        <h2 id="settings-title">Settings</h2>
        <p className="subline">Loading…</p>
      </section>
    )
  }
  const save = (change: Partial<Settings>) => void onSave(change)
  const saveFolder = async () => {
    if (folder.trim() === settings.downloadDir) return
    if (!(await onSave({ downloadDir: folder.trim() }))) setFolder(settings.downloadDir)
  }

  return (
    <section aria-labelledby="settings-title" className="screen settings">
      <h2 id="settings-title">Settings</h2>
      <p className="lead">Changes are saved in Vouch’s home folder and take effect at once.</p>

      <fieldset>
        <legend>Downloads</legend>
        <div className="setting">
          <label htmlFor={folderId}>Download folder</label>
          <input
            id={folderId}
            type="text"
            value={folder}
            spellCheck={false}
            onChange={(event) => setFolder(event.target.value)}
            onBlur={() => void saveFolder()}
            onKeyDown={(event) => {
              if (event.key === 'Enter') void saveFolder()
            }}
          />
          <span className="subline">An absolute path; torrents added from now on are saved there.</span>
        </div>
        <NumberSetting
          label="Maximum active downloads"
          value={settings.maxActiveDownloads}
          emptyMeans="no limit"
          hint="The others wait, queued, and start as slots free up."
          onSave={(value) => onSave({ maxActiveDownloads: value })}
        />
        <NumberSetting
          label="Maximum active seeds"
          value={settings.maxActiveSeeds}
          emptyMeans="no limit"
          onSave={(value) => onSave({ maxActiveSeeds: value })}
        />
      </fieldset>

      <fieldset>
        <legend>Speed limits</legend>
        <NumberSetting
          label="Download limit"
          unit="KiB/s"
          scale={KIB}
          value={settings.downloadLimit}
          emptyMeans="unlimited"
          onSave={(value) => onSave({ downloadLimit: value })}
        />
        <NumberSetting
          label="Upload limit"
          unit="KiB/s"
          scale={KIB}
          value={settings.uploadLimit}
          emptyMeans="unlimited"
          onSave={(value) => onSave({ uploadLimit: value })}
        />
      </fieldset>

      <fieldset>
        <legend>Seeding</legend>
        <NumberSetting
          label="Stop seeding at ratio"
          step={0.1}
          value={settings.seedRatioLimit}
          emptyMeans="never"
          hint="Uploaded ÷ downloaded; the torrent is paused when it gets there."
          onSave={(value) => onSave({ seedRatioLimit: value === null ? null : value })}
        />
        <NumberSetting
          label="Stop seeding after"
          unit="minutes"
          value={settings.seedTimeLimitMinutes}
          emptyMeans="never"
          onSave={(value) => onSave({ seedTimeLimitMinutes: value })}
        />
      </fieldset>

      <fieldset>
        <legend>Network</legend>
        <NumberSetting
          label="Listening port"
          value={settings.listenPort}
          emptyMeans="any free port"
          hint="Applies at once; open connections stay."
          onSave={(value) => onSave({ listenPort: value })}
        />
        <ToggleSetting
          label="Peer exchange (PEX)"
          checked={settings.pex}
          hint="Applies at once, to new connections."
          onSave={(pex) => save({ pex })}
        />
        <ToggleSetting
          label="DHT (find peers without a tracker)"
          checked={settings.dht}
          hint="Applies at once, to every torrent and to followed feeds."
          onSave={(dht) => save({ dht })}
        />
        <ToggleSetting
          label="Local peer discovery (LSD)"
          checked={settings.lsd}
          hint="Applies at once, to every torrent."
          onSave={(lsd) => save({ lsd })}
        />
        <p className="subline">These take effect when Vouch next starts:</p>
        <ToggleSetting label="UPnP port mapping" checked={settings.upnp} onSave={(upnp) => save({ upnp })} />
        <ToggleSetting
          label="NAT-PMP port mapping"
          checked={settings.natPmp}
          onSave={(natPmp) => save({ natPmp })}
        />
      </fieldset>

      <fieldset>
        <legend>This window</legend>
        <ToggleSetting
          label="Desktop notifications"
          checked={settings.notifications}
          hint="When a download finishes, a torrent is refused, or a peer is banned."
          onSave={(notifications) => save({ notifications })}
        />
        <div className="setting">
          <label htmlFor={themeId}>Theme</label>
          <select
            id={themeId}
            value={settings.theme}
            onChange={(event) => save({ theme: event.target.value as Settings['theme'] })}
          >
            <option value="system">System</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </div>
      </fieldset>
    </section>
  )
}
