import type * as Electron from 'electron'

// The only bridge between the sandboxed renderer and the main process. Sandboxed preloads run as
// CommonJS with a restricted `require`, so this file stands alone: the channel names repeat those
// of src/api/contract.ts, and test/unit/electron/preload.test.ts pins them equal. It exposes three
// functions and never ipcRenderer itself; the main process validates every message it receives.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS
const { contextBridge, ipcRenderer } = require('electron') as typeof Electron

const COMMAND_CHANNEL = 'vouch:command'
const EVENT_CHANNEL = 'vouch:event'
const DESKTOP_CHANNEL = 'vouch:desktop'

contextBridge.exposeInMainWorld('vouch', {
  command: (message: unknown): Promise<unknown> => ipcRenderer.invoke(COMMAND_CHANNEL, message),
  desktop: (message: unknown): Promise<unknown> => ipcRenderer.invoke(DESKTOP_CHANNEL, message),
  onEvent(listener: (message: unknown) => void): () => void {
    const forward = (_event: unknown, message: unknown) => listener(message)
    ipcRenderer.on(EVENT_CHANNEL, forward)
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward)
    }
  },
})
