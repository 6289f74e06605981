import { describe, expect, it, vi } from 'vitest'
import { fake, FakeBrowserWindow } from './fake-electron.ts'

vi.mock('electron', async () => (await import('./fake-electron.ts')).electronModule)

const { startDesktopApp } = await import('../../../electron/app.ts')

describe('the Electron main process when another instance runs', () => {
  it('quits without opening a window or an engine, leaving the first instance to handle the link', async () => {
    fake.app.singleInstance = false
    const started = await startDesktopApp({ argv: ['electron', 'magnet:?xt=urn:btih:' + 'a'.repeat(40)] })
    expect(started).toBeNull()
    expect(fake.app.quitCalls).toBe(1)
    expect(FakeBrowserWindow.created).toEqual([])
    expect(fake.ipcMain.handlers.size).toBe(0)
  })
})
