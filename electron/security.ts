/**
 * Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security), in
 * one place so one test can assert every item. The UI is local code served from app://vouch/;
 * nothing remote is ever loaded, and the renderer reaches the engine only through the contract.
 */
import type { Session, WebContents, WebPreferences } from 'electron'
import type { IpcInvokeEvent } from '../src/api/ipc-transport.ts'

export const APP_SCHEME = 'app'
export const APP_HOST = 'vouch'
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`

/** Same policy as the headless server's, plus no network at all: the UI talks over IPC only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ')

export function webPreferences(preload: string, devTools: boolean): WebPreferences {
  return {
    preload,
    // Checklist 3: context isolation; 4: process sandboxing; 2: no Node.js integration anywhere.
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    // Checklist 6: webSecurity stays on; 8: no insecure content; 9: no experimental features.
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    // Checklist 11: no <webview>.
    webviewTag: false,
    // A dropped file must reach the UI's drop handler, never navigate the window to file://.
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools,
  }
}

/** True only for an app://vouch/ URL (the only origin our UI is ever loaded from). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST
  } catch {
    return false
  }
}

/**
 * Checklist 17: validate the sender of every IPC message: the top frame of our own page, nothing
 * else (a subframe, even one of ours, has no business sending commands).
 */
export function isTrustedSender(event: IpcInvokeEvent): boolean {
  const frame = event.senderFrame
  if (!frame || frame.parent) return false
  return typeof frame.url === 'string' && isAppUrl(frame.url)
}

/**
 * The only permissions the UI uses, and only for its own page: desktop notifications (done,
 * refused, banned; the renderer's Notification API, which Electron shows through the OS) and
 * writing the save path to the clipboard.
 */
const UI_PERMISSIONS = new Set(['notifications', 'clipboard-sanitized-write'])

/**
 * Checklist 5 (permissions denied but UI_PERMISSIONS for app://vouch/), 7 (CSP header on every
 * response), and no remote content: any request that is not for app://vouch/ (or devtools) is cancelled.
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(UI_PERMISSIONS.has(permission) && isAppUrl(details?.requestingUrl ?? '')),
  )
  session.setPermissionCheckHandler(
    (_contents, permission, requestingOrigin) =>
      UI_PERMISSIONS.has(permission) && isAppUrl(`${requestingOrigin}/`),
  )
  session.setDevicePermissionHandler(() => false)
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAppUrl(details.url) || details.url.startsWith('devtools://')
    callback({ cancel: !allowed })
  })
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    })
  })
}

/**
 * Checklist 13 (no navigation), 14 (no new windows), 12 (no webviews), for every web contents
 * the app ever creates.
 */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault())
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}
