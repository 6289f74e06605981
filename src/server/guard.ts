import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import os from 'node:os'
import { WEBSOCKET_TOKEN_PROTOCOL_PREFIX } from '../api/contract.ts'

/** 256 bits from the OS CSPRNG, URL-safe (so it is also a valid WebSocket subprotocol token). */
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
}

export type GuardVerdict = { allowed: true } | { allowed: false; status: 400 | 401 | 403; reason: string }

function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/**
 * Every HTTP request and WebSocket upgrade passes here first: a Host naming this server (no DNS
 * rebinding) and no foreign Origin (no other web page).
 */
export function checkOrigin(request: IncomingMessage, config: GuardConfig): GuardVerdict {
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
  return { allowed: true }
}

/** The subprotocols a WebSocket handshake offers (`Sec-WebSocket-Protocol: a, b`). */
export function offeredProtocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol']
  return (header ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '')
}

/**
 * The API's credential: the token as a WebSocket subprotocol (`vouch-token.TOKEN`, what the web UI
 * sends) or an `Authorization: Bearer` header (other programs). Never a cookie or a query
 * parameter: a cookie reaches every server on 127.0.0.1 whatever its port, and an address ends up
 * in history and logs.
 */
export function checkToken(request: IncomingMessage, config: GuardConfig): GuardVerdict {
  const fromProtocol = offeredProtocols(request).find((value) =>
    value.startsWith(WEBSOCKET_TOKEN_PROTOCOL_PREFIX),
  )
  const authorization = request.headers.authorization
  const given =
    fromProtocol?.slice(WEBSOCKET_TOKEN_PROTOCOL_PREFIX.length) ??
    (authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined)
  if (given === undefined) return { allowed: false, status: 401, reason: 'missing token' }
  return sameToken(given, config.token)
    ? { allowed: true }
    : { allowed: false, status: 401, reason: 'wrong token' }
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
