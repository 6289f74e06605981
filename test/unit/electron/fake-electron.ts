/**
 * A stand-in for the `electron` module (its binary cannot be downloaded on these machines). It
 * records what the main process asks of Electron so tests can assert it, and lets tests fire the
 * events Electron would (open-url, second-instance, web-contents-created, did-finish-load).
 */
import { EventEmitter } from 'node:events'

type Listener = (...args: never[]) => unknown

export class FakeWebContents extends EventEmitter {
  readonly sent: { channel: string; message: unknown }[] = []
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined
  send(channel: string, message: unknown): void {
    this.sent.push({ channel, message })
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = []
  readonly options: Record<string, unknown>
  readonly webContents = new FakeWebContents()
  loadedUrl: string | undefined
  focused = 0
  constructor(options: Record<string, unknown>) {
    super()
    this.options = options
    FakeBrowserWindow.created.push(this)
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url
    return Promise.resolve()
  }
  isDestroyed(): boolean {
    return false
  }
  isMinimized(): boolean {
    return false
  }
  restore(): void {}
  focus(): void {
    this.focused++
  }
  show(): void {}
}

class FakeApp extends EventEmitter {
  singleInstance = true
  quitCalls = 0
  name = ''
  appPath = '/nonexistent'
  readonly protocolClients: { protocol: string; args: unknown[] }[] = []
  isPackaged = false
  setName(name: string): void {
    this.name = name
  }
  requestSingleInstanceLock(): boolean {
    return this.singleInstance
  }
  quit(): void {
    this.quitCalls++
  }
  getAppPath(): string {
    return this.appPath
  }
  getVersion(): string {
    return '0.0.0-test'
  }
  whenReady(): Promise<void> {
    return Promise.resolve()
  }
  setAsDefaultProtocolClient(protocol: string, ...args: unknown[]): boolean {
    this.protocolClients.push({ protocol, args })
    return true
  }
}

class FakeIpcMain {
  readonly handlers = new Map<string, Listener>()
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
    this.handlers.set(channel, listener)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
}

class FakeSession {
  permissionRequestHandler: Listener | undefined
  permissionCheckHandler: Listener | undefined
  devicePermissionHandler: Listener | undefined
  readonly webRequest = {
    beforeRequest: undefined as Listener | undefined,
    headersReceived: undefined as Listener | undefined,
    onBeforeRequest(listener: Listener) {
      this.beforeRequest = listener
    },
    onHeadersReceived(listener: Listener) {
      this.headersReceived = listener
    },
  }
  setPermissionRequestHandler(handler: Listener): void {
    this.permissionRequestHandler = handler
  }
  setPermissionCheckHandler(handler: Listener): void {
    this.permissionCheckHandler = handler
  }
  setDevicePermissionHandler(handler: Listener): void {
    this.devicePermissionHandler = handler
  }
}

class FakeProtocol {
  readonly privileged: unknown[] = []
  readonly handlers = new Map<string, (request: Request) => Promise<Response>>()
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    this.privileged.push(...schemes)
  }
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
    this.handlers.set(scheme, handler)
  }
}

class FakeShell {
  readonly shown: string[] = []
  showItemInFolder(fullPath: string): void {
    this.shown.push(fullPath)
  }
}

export const fake = {
  shell: new FakeShell(),
  app: new FakeApp(),
  ipcMain: new FakeIpcMain(),
  session: { defaultSession: new FakeSession() },
  protocol: new FakeProtocol(),
  BrowserWindow: FakeBrowserWindow,
}

/** What `vi.mock('electron', …)` returns: the fake under Electron's export names. */
export const electronModule = {
  shell: fake.shell,
  app: fake.app,
  ipcMain: fake.ipcMain,
  session: fake.session,
  protocol: fake.protocol,
  BrowserWindow: FakeBrowserWindow,
  default: fake,
}
