import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { COMMAND_CHANNEL, DESKTOP_CHANNEL, EVENT_CHANNEL } from '../../../src/api/contract.ts'
import { QUIET_CLIENT, Swarm } from '../../kit/swarm.ts'
import { fake, FakeBrowserWindow, FakeWebContents } from './fake-electron.ts'

vi.mock('electron', async () => (await import('./fake-electron.ts')).electronModule)

const { startDesktopApp } = await import('../../../electron/app.ts')
const { CONTENT_SECURITY_POLICY } = await import('../../../electron/security.ts')
const { revealPath } = await import('../../../electron/desktop-commands.ts')

type Handler = (...args: unknown[]) => unknown

function handler(value: unknown): Handler {
  if (typeof value !== 'function') throw new Error('handler was not registered')
  return value as Handler
}

function invoke(senderUrl: string | null, ...args: unknown[]): Promise<unknown> {
  return invokeOn(COMMAND_CHANNEL, senderUrl, ...args)
}

function invokeOn(channel: string, senderUrl: string | null, ...args: unknown[]): Promise<unknown> {
  const handle = handler(fake.ipcMain.handlers.get(channel))
  return handle({ senderFrame: senderUrl === null ? null : { url: senderUrl } }, ...args) as Promise<unknown>
}

describe('the Electron main process (electron module mocked)', () => {
  const swarm = new Swarm()
  let desktop: NonNullable<Awaited<ReturnType<typeof startDesktopApp>>>
  let window: FakeBrowserWindow
  let appRoot: string
  let payloadTorrent: string

  beforeAll(async () => {
    appRoot = await swarm.tempDir('vouch-app-')
    await mkdir(path.join(appRoot, 'renderer', 'dist'), { recursive: true })
    await writeFile(
      path.join(appRoot, 'renderer', 'dist', 'index.html'),
      '<!doctype html><title>Vouch</title>',
    )
    await writeFile(path.join(appRoot, 'secret.txt'), 'not for the renderer')
    const payload = await swarm.payload({ bytes: 64 * 1024, name: 'argv-payload.bin' })
    payloadTorrent = payload.torrentPath
    const home = await swarm.tempDir('vouch-home-')
    const started = await startDesktopApp({
      argv: ['/usr/bin/electron', '.', '--some-flag', payloadTorrent],
      engine: { ...QUIET_CLIENT, home, resume: false },
      appRoot,
    })
    if (!started) throw new Error('the app did not start')
    desktop = started
    swarm.defer(() => desktop.backend.close())
    window = FakeBrowserWindow.created[0]!
  })
  afterAll(() => swarm.close())

  it('creates one window that follows every item of the security checklist', () => {
    expect(FakeBrowserWindow.created).toHaveLength(1)
    const preferences = window.options.webPreferences as Record<string, unknown>
    expect(preferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      webviewTag: false,
      navigateOnDragDrop: false,
    })
    expect(preferences.preload).toBe(path.join(appRoot, 'dist', 'electron', 'preload.cjs'))
    // No remote content: the UI comes from the app's own protocol.
    expect(window.loadedUrl).toBe('app://vouch/index.html')
  })

  it('sets a strict CSP on every response, as a header', () => {
    let headers: Record<string, string[]> = {}
    handler(fake.session.defaultSession.webRequest.headersReceived)(
      { url: 'app://vouch/index.html', responseHeaders: { 'Content-Type': ['text/html'] } },
      (result: { responseHeaders: Record<string, string[]> }) => (headers = result.responseHeaders),
    )
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY])
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'")
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'")
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'none'")
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|https?:/)
    expect(headers['Content-Type']).toEqual(['text/html'])
  })

  it('cancels every request for remote content', () => {
    const verdict = (url: string) => {
      let cancel: boolean | undefined
      handler(fake.session.defaultSession.webRequest.beforeRequest)(
        { url },
        (result: { cancel: boolean }) => {
          cancel = result.cancel
        },
      )
      return cancel
    }
    expect(verdict('app://vouch/assets/index.js')).toBe(false)
    expect(verdict('https://example.com/tracker.js')).toBe(true)
    expect(verdict('http://127.0.0.1:8080/')).toBe(true)
    expect(verdict('file:///etc/passwd')).toBe(true)
    expect(verdict('app://elsewhere/index.html')).toBe(true)
  })

  it('denies every permission request and check but notifications and clipboard writes from the app itself', () => {
    const request = (permission: string, requestingUrl: string) => {
      let granted: boolean | undefined
      handler(fake.session.defaultSession.permissionRequestHandler)(
        {},
        permission,
        (answer: boolean) => (granted = answer),
        { requestingUrl },
      )
      return granted
    }
    const check = (permission: string, origin: string) =>
      handler(fake.session.defaultSession.permissionCheckHandler)({}, permission, origin)
    for (const permission of ['media', 'geolocation', 'clipboard-read', 'openExternal', 'notifications']) {
      const ours = permission === 'notifications'
      expect(request(permission, 'app://vouch/index.html'), permission).toBe(ours)
      expect(check(permission, 'app://vouch'), permission).toBe(ours)
      expect(request(permission, 'https://example.com/'), permission).toBe(false)
      expect(check(permission, 'https://example.com'), permission).toBe(false)
    }
    expect(request('clipboard-sanitized-write', 'app://vouch/index.html')).toBe(true)
    expect(request('notifications', 'app://elsewhere/')).toBe(false)
    expect(handler(fake.session.defaultSession.devicePermissionHandler)({})).toBe(false)
  })

  it('blocks navigation, redirects, webviews and new windows in every web contents', () => {
    const contents = new FakeWebContents()
    fake.app.emit('web-contents-created', {}, contents)
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const preventDefault = vi.fn()
      contents.emit(event, { preventDefault }, 'https://evil.example/')
      expect(preventDefault, event).toHaveBeenCalled()
    }
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
  })

  it('serves the renderer on app://vouch/ with the CSP, and nothing outside renderer/dist', async () => {
    const serve = fake.protocol.handlers.get('app')
    if (!serve) throw new Error('app: protocol not handled')
    const index = await serve(new Request('app://vouch/index.html'))
    expect(index.status).toBe(200)
    expect(await index.text()).toContain('<title>Vouch</title>')
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect((await serve(new Request('app://vouch/../../secret.txt'))).status).toBe(404)
    expect((await serve(new Request('app://vouch/%2e%2e/%2e%2e/secret.txt'))).status).toBe(404)
    expect((await serve(new Request('app://other/index.html'))).status).toBe(404)
    expect(fake.protocol.privileged).toEqual([
      expect.objectContaining({
        scheme: 'app',
        privileges: expect.objectContaining({ standard: true, secure: true }),
      }),
    ])
  })

  it('answers commands from its own window through the validating dispatcher', async () => {
    const response = await invoke('app://vouch/index.html', { command: 'app.info', args: {} })
    expect(response).toMatchObject({ ok: true, result: { version: '0.0.0-test' } })
  })

  it('carries issue 11’s commands over IPC: settings, status, and torrent controls validated by name', async () => {
    expect(await invoke('app://vouch/index.html', { command: 'settings.get', args: {} })).toMatchObject({
      ok: true,
      result: { theme: 'system', notifications: true },
    })
    expect(await invoke('app://vouch/index.html', { command: 'app.status', args: {} })).toMatchObject({
      ok: true,
      result: { dhtNodes: expect.any(Number) },
    })
    const unknown = 'ab'.repeat(20)
    for (const command of ['torrents.pause', 'torrents.resume', 'torrents.details', 'torrents.reannounce']) {
      const response = await invoke('app://vouch/index.html', { command, args: { infoHash: unknown } })
      expect(response, command).toMatchObject({
        ok: false,
        error: { code: 'bad-input', message: expect.stringContaining('no torrent') },
      })
    }
  })

  it.each([
    ['a remote page', 'https://evil.example/'],
    ['a file: page', 'file:///tmp/index.html'],
    ['another app: host', 'app://evil/index.html'],
    ['a destroyed frame', null],
  ])('refuses commands from %s before the dispatcher sees them', async (_label, url) => {
    const response = await invoke(url, { command: 'torrents.list', args: {} })
    expect(response).toMatchObject({ ok: false, error: { code: 'refused' } })
  })

  it('refuses commands from a subframe, even one on app://vouch/', async () => {
    const handle = handler(fake.ipcMain.handlers.get(COMMAND_CHANNEL))
    const response = await handle(
      { senderFrame: { url: 'app://vouch/index.html', parent: { url: 'app://vouch/index.html' } } },
      { command: 'torrents.list', args: {} },
    )
    expect(response).toMatchObject({ ok: false, error: { code: 'refused' } })
  })

  it.each([
    ['an unknown command', [{ command: 'shell.exec', args: { line: 'rm -rf /' } }]],
    ['bad arguments', [{ command: 'torrents.remove', args: { infoHash: '../../etc' } }]],
    ['a non-object', ['torrents.list']],
    ['two arguments', [{ command: 'torrents.list', args: {} }, 'extra']],
    ['no message', []],
  ])('answers %s from its own window with a bad-input error, without crashing', async (_label, args) => {
    const response = await invoke('app://vouch/index.html', ...args)
    expect(response).toMatchObject({ ok: false, error: { code: 'bad-input' } })
  })

  it('registers as the magnet: handler', () => {
    expect(fake.app.protocolClients.map((client) => client.protocol)).toEqual(['magnet'])
  })

  it('holds a .torrent from the command line until the window loaded, then puts it through the gate', async () => {
    expect(window.webContents.sent).toEqual([])
    window.webContents.emit('did-finish-load')
    // Unsigned, so the provenance gate refuses it; the refusal reaches the window for the dialog.
    await vi.waitFor(
      () => {
        const refusal = window.webContents.sent.find(
          (sent) => (sent.message as { event: string }).event === 'torrent.refused',
        )
        expect(refusal?.channel).toBe(EVENT_CHANNEL)
        expect(refusal?.message).toMatchObject({ payload: { source: payloadTorrent, code: 'unsigned' } })
      },
      { timeout: 10_000 },
    )
  })

  it('passes magnet links from open-url and second-instance to the engine', async () => {
    const magnet = 'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=from-open-url'
    const preventDefault = vi.fn()
    fake.app.emit('open-url', { preventDefault }, magnet)
    expect(preventDefault).toHaveBeenCalled()
    const second = 'magnet:?xt=urn:btih:89abcdef0123456789abcdef0123456789abcdef&dn=from-second-instance'
    fake.app.emit('second-instance', {}, ['/usr/bin/vouch', '--flag', second], '/')
    expect(window.focused).toBe(1)
    // Magnets without an envelope are held by the gate (nothing selected, nothing written) until
    // one arrives; they are in the engine's list.
    await vi.waitFor(
      async () => {
        const response = (await invoke('app://vouch/index.html', { command: 'torrents.list', args: {} })) as {
          result: { infoHash: string }[]
        }
        expect(response.result.map((torrent) => torrent.infoHash)).toEqual(
          expect.arrayContaining([
            '0123456789abcdef0123456789abcdef01234567',
            '89abcdef0123456789abcdef0123456789abcdef',
          ]),
        )
      },
      { timeout: 10_000 },
    )
  })

  it('reveals a torrent’s own data in the file manager, the path resolved in main from its infohash', async () => {
    const engine = desktop.backend.engine
    const payload = await swarm.payload({ bytes: 32 * 1024, name: 'reveal-me.bin' })
    await copyFile(payload.file, path.join(engine.downloadDir, 'reveal-me.bin'))
    const torrent = await engine.add(payload.torrentPath, { allowUnsigned: true })
    const reveal = (args: unknown) =>
      invokeOn(DESKTOP_CHANNEL, 'app://vouch/index.html', { id: 3, command: 'desktop.revealTorrent', args })
    const shown = path.join(engine.downloadDir, 'reveal-me.bin')
    expect(await reveal({ infoHash: torrent.infoHash })).toEqual({ id: 3, ok: true, result: { path: shown } })
    expect(fake.shell.shown).toEqual([shown])

    // Data not on disk (a magnet without metadata): its save path.
    const magnet = await engine.add('magnet:?xt=urn:btih:fedcba9876543210fedcba9876543210fedcba98')
    expect(await reveal({ infoHash: magnet.infoHash })).toMatchObject({
      ok: true,
      result: { path: engine.downloadDir },
    })
    expect(fake.shell.shown).toHaveLength(2)
  })

  it.each([
    [
      'a path for an infohash',
      { command: 'desktop.revealTorrent', args: { infoHash: '/etc/passwd' } },
      'bad-input',
    ],
    [
      'a path beside the infohash',
      { command: 'desktop.revealTorrent', args: { infoHash: 'ab'.repeat(20), path: '/etc' } },
      'bad-input',
    ],
    [
      'a torrent not in the list',
      { command: 'desktop.revealTorrent', args: { infoHash: 'cd'.repeat(20) } },
      'bad-input',
    ],
    ['an unknown desktop command', { command: 'desktop.openPath', args: { path: '/etc' } }, 'bad-input'],
    ['an API command on the desktop channel', { command: 'torrents.list', args: {} }, 'bad-input'],
  ])('refuses %s on the desktop channel and shows nothing', async (_label, message, code) => {
    const before = fake.shell.shown.length
    const response = await invokeOn(DESKTOP_CHANNEL, 'app://vouch/index.html', message)
    expect(response).toMatchObject({ ok: false, error: { code } })
    expect(fake.shell.shown).toHaveLength(before)
  })

  it('refuses desktop commands from a page that is not the Vouch window', async () => {
    const before = fake.shell.shown.length
    const response = await invokeOn(DESKTOP_CHANNEL, 'https://evil.example/', {
      command: 'desktop.revealTorrent',
      args: { infoHash: 'ab'.repeat(20) },
    })
    expect(response).toMatchObject({ ok: false, error: { code: 'refused' } })
    expect(fake.shell.shown).toHaveLength(before)
  })

  it('never resolves a reveal outside the save path, whatever the file names say', () => {
    const root = path.resolve('/srv/downloads')
    expect(revealPath(root, [{ path: '../../etc/passwd' }])).toBe(root)
    expect(revealPath(root, [{ path: '/etc/passwd' }])).toBe(root)
    expect(revealPath(root, [])).toBe(root)
  })
})
