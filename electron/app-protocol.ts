import { protocol } from 'electron'
import { readStaticFile } from '../src/server/static-files.ts'
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './security.ts'

/** Must run before `app` is ready: app:// behaves like https (standard, secure origin). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false },
    },
  ])
}

/**
 * Serve the built renderer on app://vouch/ (checklist 18: a custom protocol instead of file://).
 * Only files inside `rendererDir` are served; any other host or path is a 404.
 */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    if (url.host !== APP_HOST || request.method !== 'GET') return new Response('not found', { status: 404 })
    const file = await readStaticFile(rendererDir, url.pathname)
    if (!file) return new Response('not found', { status: 404 })
    return new Response(new Uint8Array(file.body), {
      headers: {
        'Content-Type': file.contentType,
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
      },
    })
  })
}
