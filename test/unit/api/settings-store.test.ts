import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultSettings, SETTINGS_FILE, SettingsStore } from '../../../src/api/settings-store.ts'
import { tempDir } from '../../kit/swarm.ts'

describe('HOME/settings.json', () => {
  it('starts from the defaults, saves changes atomically and reads them back', async () => {
    const home = await tempDir()
    const defaults = defaultSettings(path.join(home, 'downloads'))
    const store = await SettingsStore.open(home, defaults)
    expect(store.current).toEqual(defaults)
    const saved = await store.update({ downloadLimit: 65_536, theme: 'dark', maxActiveDownloads: 2 })
    expect(saved).toMatchObject({ downloadLimit: 65_536, theme: 'dark', maxActiveDownloads: 2, dht: true })
    expect(await readdir(home)).toEqual([SETTINGS_FILE])
    expect(JSON.parse(await readFile(path.join(home, SETTINGS_FILE), 'utf8'))).toEqual(saved)
    expect((await SettingsStore.open(home, defaults)).current).toEqual(saved)
  })

  it('refuses an invalid change naming the setting, and keeps the saved ones', async () => {
    const home = await tempDir()
    const store = await SettingsStore.open(home, defaultSettings('/srv/downloads'))
    await store.update({ uploadLimit: 1000 })
    await expect(store.update({ uploadLimit: -1 })).rejects.toMatchObject({
      code: 'bad-input',
      message: expect.stringContaining('uploadLimit'),
    })
    await expect(store.update({ downloadDir: 'relative/dir' })).rejects.toMatchObject({ code: 'bad-input' })
    expect(store.current.uploadLimit).toBe(1000)
    expect(store.current.downloadDir).toBe('/srv/downloads')
  })

  it('keeps a file that is not valid settings aside and uses the defaults, with a warning', async () => {
    const home = await tempDir()
    await writeFile(path.join(home, SETTINGS_FILE), '{"theme": "neon"}')
    const warnings: string[] = []
    const defaults = defaultSettings('/srv/downloads')
    const store = await SettingsStore.open(home, defaults, (message) => warnings.push(message))
    expect(store.current).toEqual(defaults)
    expect(warnings).toHaveLength(1)
    expect((await readdir(home)).some((name) => name.startsWith(`${SETTINGS_FILE}.invalid-`))).toBe(true)
  })

  it('fills fields an older file lacks with their defaults', async () => {
    const home = await tempDir()
    await writeFile(
      path.join(home, SETTINGS_FILE),
      JSON.stringify({ downloadDir: '/data', uploadLimit: 5000 }),
    )
    const store = await SettingsStore.open(home, defaultSettings('/srv/downloads'))
    expect(store.current).toMatchObject({
      downloadDir: '/data',
      uploadLimit: 5000,
      theme: 'system',
      pex: true,
    })
  })
})
