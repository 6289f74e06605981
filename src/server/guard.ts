import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import os from 'node:os'

/** 256 bits from the OS CSPRNG, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]'])

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/**
 * The Host header values this server answers to. A DNS-rebinding page reaches us under its own
 * name (evil.example:PORT), which is never in this set.
 */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const names = new Set<string>(LOOPBACK_NAMES)
  if (WILDCARD_HOSTS.has(bindHost)) {
    for (const addresses of Object.values(os.networkInterfaces())) {
      for (const address of addresses ?? []) names.add(hostForUrl(address.address))
    }
  } else {
    names.add(hostForUrl(bindHost))
  }
  return new Set([...names].map((name) => `${name.toLowerCase()}:${port}`))
}

export interface GuardConfig {
  token: string
  hosts: Set<string>
  cookieName: string
}

export type GuardVerdict =
  | { allowed: true; tokenFrom: 'query' | 'cookie' | 'header' }
  | { allowed: false; status: 400 | 401 | 403; reason: string }

/** Constant-time comparison of two secrets of any length (both hashed first). */
export function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return null
}

/**
 * Every HTTP request and WebSocket upgrade passes here first: a known Host, no foreign Origin,
 * and the token (in `?token=`, the session cookie, or an `Authorization: Bearer` header).
 */
export function checkRequest(request: IncomingMessage, config: GuardConfig): GuardVerdict {
  const host = request.headers.host?.toLowerCase()
  if (!host || !config.hosts.has(host)) {
    return { allowed: false, status: 403, reason: `foreign Host header '${host ?? ''}'` }
  }
  // Browsers send Origin on every cross-origin request and every WebSocket handshake. A request
  // without one comes from a navigation or a non-browser client, which still needs the token.
  const origin = request.headers.origin
  if (origin !== undefined && !config.hosts.has(originHost(origin))) {
    return { allowed: false, status: 403, reason: `foreign Origin '${origin}'` }
  }
  let url: URL
  try {
    url = new URL(request.url ?? '/', 'http://vouch.invalid')
  } catch {
    return { allowed: false, status: 400, reason: 'malformed request URL' }
  }
  const fromQuery = url.searchParams.get('token')
  if (fromQuery !== null) {
    return sameToken(fromQuery, config.token)
      ? { allowed: true, tokenFrom: 'query' }
      : { allowed: false, status: 401, reason: 'wrong token' }
  }
  const authorization = request.headers.authorization
  if (authorization?.startsWith('Bearer ')) {
    return sameToken(authorization.slice('Bearer '.length), config.token)
      ? { allowed: true, tokenFrom: 'header' }
      : { allowed: false, status: 401, reason: 'wrong token' }
  }
  const fromCookie = cookieValue(request.headers.cookie, config.cookieName)
  if (fromCookie !== null && sameToken(fromCookie, config.token))
    return { allowed: true, tokenFrom: 'cookie' }
  return { allowed: false, status: 401, reason: 'missing or wrong token' }
}

/** `http://127.0.0.1:8080` → `127.0.0.1:8080`; anything unparsable or non-http maps to nothing allowed. */
function originHost(origin: string): string {
  try {
    const url = new URL(origin)
    if (url.protocol !== 'http:') return ''
    return url.host.toLowerCase()
  } catch {
    return ''
  }
}
