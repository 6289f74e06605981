import path from 'node:path'
import { app, BrowserWindow, ipcMain, session, shell } from 'electron'
import { EVENT_CHANNEL } from '../src/api/contract.ts'
import { openBackend, type Backend } from '../src/api/backend.ts'
import { registerIpcTransport } from '../src/api/ipc-transport.ts'
import { isVouchError } from '../src/errors.ts'
import type { EngineOptions } from '../src/engine/engine.ts'
import { resolveHome } from '../src/engine/paths.ts'
import { registerAppScheme, serveRenderer } from './app-protocol.ts'
import { registerDesktopCommands } from './desktop-commands.ts'
import { APP_URL, hardenSession, hardenWebContents, isTrustedSender, webPreferences } from './security.ts'
import { torrentArgs } from './torrent-args.ts'

export interface DesktopOptions {
  /** Default: process.argv. */
  argv?: readonly string[]
  /** Overrides for the engine (tests turn discovery off). */
  engine?: Partial<EngineOptions>
  /** Default: the app's own directory (where package.json is). */
  appRoot?: string
}

export interface DesktopApp {
  backend: Backend
  window: BrowserWindow
  /** Add a magnet link or .torrent path as if the OS had handed it to us. */
  open(item: string): Promise<void>
}

export function createMainWindow(appRoot: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Vouch',
    show: false,
    webPreferences: webPreferences(path.join(appRoot, 'dist', 'electron', 'preload.cjs'), !app.isPackaged),
  })
  window.once('ready-to-show', () => window.show())
  void window.loadURL(APP_URL)
  return window
}

/** Make Vouch the handler of magnet: links (in development, `electron .` must pass the app path). */
export function registerMagnetHandler(): boolean {
  if (process.defaultApp && process.argv[1]) {
    return app.setAsDefaultProtocolClient('magnet', process.execPath, [path.resolve(process.argv[1])])
  }
  return app.setAsDefaultProtocolClient('magnet')
}

/**
 * The desktop shell: one instance, one window, the engine in the main process behind the same
 * API service as `vouch serve`. Returns null when another instance already runs (it gets our
 * argv through `second-instance` and we quit).
 */
export async function startDesktopApp(options: DesktopOptions = {}): Promise<DesktopApp | null> {
  app.setName('Vouch')
  registerAppScheme()
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return null
  }
  const appRoot = options.appRoot ?? app.getAppPath()
  // Torrents handed to us before the window can show a refusal wait here.
  const queued: string[] = [...torrentArgs(options.argv ?? process.argv)]
  let desktop: DesktopApp | null = null
  const openOrQueue = (item: string) => {
    if (desktop) void desktop.open(item)
    else queued.push(item)
  }

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents))
  // macOS delivers magnet links and opened files as events, possibly before `ready`.
  app.on('open-url', (event, url) => {
    event.preventDefault()
    openOrQueue(url)
  })
  app.on('open-file', (event, file) => {
    event.preventDefault()
    openOrQueue(file)
  })
  // Windows and Linux start a second instance with the link or file in argv.
  app.on('second-instance', (_event, argv, workingDirectory) => {
    for (const item of torrentArgs(argv, workingDirectory)) openOrQueue(item)
    if (desktop) {
      if (desktop.window.isMinimized()) desktop.window.restore()
      desktop.window.focus()
    }
  })
  app.on('window-all-closed', () => app.quit())

  await app.whenReady()
  registerMagnetHandler()
  hardenSession(session.defaultSession)
  serveRenderer(path.join(appRoot, 'renderer', 'dist'))

  const backend = await openBackend({
    engine: { home: resolveHome(), resume: true, ...options.engine },
    version: app.getVersion(),
    logInternal: (message, error) => console.error(`vouch: ${message}:`, error),
  })
  registerIpcTransport(ipcMain, backend.service.dispatcher, isTrustedSender)
  registerDesktopCommands(ipcMain, backend.engine, shell, isTrustedSender)
  const window = createMainWindow(appRoot)
  backend.service.events.subscribe((message) => {
    if (!window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, message)
  })

  let closing = false
  app.on('before-quit', (event) => {
    if (closing) return
    closing = true
    event.preventDefault()
    void backend.close().finally(() => app.quit())
  })

  const open = async (item: string) => {
    try {
      const result = await backend.service.add(item)
      if (result.status === 'refused') backend.service.announceRefusal(result.refusal)
    } catch (error) {
      const message = isVouchError(error) ? error.message : `could not open ${item}`
      backend.service.events.publish('notice', { level: 'error', infoHash: null, message })
    }
  }
  const started: DesktopApp = { backend, window, open }
  window.webContents.once('did-finish-load', () => {
    desktop = started
    for (const item of queued.splice(0)) void open(item)
  })
  return started
}
