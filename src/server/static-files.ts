import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

export interface StaticFile {
  body: Buffer
  contentType: string
}

/**
 * A file of the built renderer, or null. Only files under `root` with a known type are served;
 * `..`, encoded separators and anything else outside are not found.
 */
export async function readStaticFile(root: string, urlPath: string): Promise<StaticFile | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
  const resolvedRoot = path.resolve(root)
  const file = path.resolve(resolvedRoot, relative)
  if (!file.startsWith(resolvedRoot + path.sep)) return null
  const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()]
  if (!contentType) return null
  try {
    if (!(await stat(file)).isFile()) return null
    return { body: await readFile(file), contentType }
  } catch {
    return null
  }
}
