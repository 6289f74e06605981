/**
 * The name of the client behind a peer, from its peer ID (Azureus style `-qB4650-`, Shadow style
 * `S58B-----`, Mainline style `M4-3-6--`) and from the `v` of its extended handshake (BEP 10),
 * which clients fill with their own name and version.
 */

/** Azureus-style two-letter codes of common clients (from the BEP 20 list and the clients). */
const AZUREUS_CLIENTS: Readonly<Record<string, string>> = {
  A2: 'aria2',
  AZ: 'Vuze',
  BC: 'BitComet',
  BI: 'BiglyBT',
  BT: 'BitTorrent',
  DE: 'Deluge',
  FD: 'Free Download Manager',
  FW: 'FrostWire',
  KT: 'KTorrent',
  LT: 'libtorrent',
  lt: 'libTorrent (rakshasa)',
  PI: 'PicoTorrent',
  qB: 'qBittorrent',
  TL: 'Tribler',
  TR: 'Transmission',
  UM: 'µTorrent Mac',
  UT: 'µTorrent',
  WD: 'WebTorrent Desktop',
  WW: 'WebTorrent',
  XL: 'Xunlei',
}

const SHADOW_CLIENTS: Readonly<Record<string, string>> = {
  A: 'ABC',
  O: 'Osprey Permaseed',
  Q: 'BTQueue',
  R: 'Tribler',
  S: 'Shad0w',
  T: 'BitTornado',
  U: 'UPnP NAT Bit Torrent',
}

const SHADOW_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-'

/** One version character: 0-9, then A=10, B=11 … (libtorrent writes 13 as D). */
function digit(char: string): number | null {
  if (/^[0-9]$/.test(char)) return Number(char)
  if (/^[A-Za-z]$/.test(char)) return char.toUpperCase().charCodeAt(0) - 55
  return null
}

function azureusVersion(code: string, chars: string): string | null {
  if (code === 'WW' || code === 'WD') {
    // WebTorrent writes two digits per part: 3.0.x is "0300".
    const major = Number(chars.slice(0, 2))
    const minor = Number(chars.slice(2, 4))
    return /^\d{4}$/.test(chars) ? `${major}.${minor}` : null
  }
  const parts = [...chars].map(digit)
  if (parts.some((part) => part === null)) {
    // Transmission marks betas and nightlies with a letter in the last place (3.00Z).
    if (code !== 'TR' || !/^\d{3}[A-Za-z]$/.test(chars)) return null
  }
  const [a, b, c, d] = parts
  if (code === 'TR') {
    // Transmission 1–3 wrote major + two-digit minor ("3.00"); 4 and later major.minor.patch.
    return Number(chars[0]) >= 4 ? `${a}.${b}.${c}` : `${chars[0]}.${chars.slice(1, 3)}`
  }
  const numbers = [a, b, c, d] as number[]
  if (numbers[3] === 0) numbers.pop()
  return numbers.join('.')
}

function fromAzureus(id: string): string | null {
  if (!/^-[A-Za-z0-9]{2}[0-9A-Za-z]{4}-/.test(id)) return null
  const code = id.slice(1, 3)
  const version = azureusVersion(code, id.slice(3, 7))
  const name = AZUREUS_CLIENTS[code] ?? code
  return version ? `${name} ${version}` : name
}

function fromMainline(id: string): string | null {
  const match =
    /^M(\d)-(\d)-(\d)-/.exec(id) ?? /^M(\d)-(\d\d)-(\d)-/.exec(id) ?? /^M(\d)-(\d)-(\d\d)-/.exec(id)
  return match ? `BitTorrent ${match[1]}.${match[2]}.${match[3]}` : null
}

function fromShadow(id: string): string | null {
  const name = SHADOW_CLIENTS[id[0] ?? '']
  if (!name) return null
  const version: number[] = []
  for (const char of id.slice(1, 6)) {
    if (char === '-') break
    const value = SHADOW_DIGITS.indexOf(char)
    if (value < 0) return null
    version.push(value)
  }
  if (id.slice(1 + version.length, 1 + version.length + 3) !== '---' || version.length < 2) return null
  return `${name} ${version.join('.')}`
}

/** The client the 20-byte peer ID names, or null when it follows no known convention. */
export function clientFromPeerId(peerId: Uint8Array | undefined | null): string | null {
  if (!peerId || peerId.length !== 20) return null
  const id = new TextDecoder('latin1').decode(peerId.subarray(0, 9))
  return fromAzureus(id) ?? fromMainline(id) ?? fromShadow(id)
}

const MAX_V_LENGTH = 64

/** The `v` of an extended handshake as text, when it is short printable text. */
export function clientFromHandshake(v: unknown): string | null {
  const text =
    typeof v === 'string'
      ? v
      : v instanceof Uint8Array
        ? new TextDecoder('utf-8', { fatal: false }).decode(v)
        : null
  if (text === null) return null
  const clean = text.trim()
  if (clean === '' || clean.length > MAX_V_LENGTH || /[\p{Cc}\uFFFD]/u.test(clean)) return null
  return clean
}

/** What the UI shows in a peer's Client column. */
export function clientName(peerId: Uint8Array | undefined | null, v: unknown): string {
  return clientFromHandshake(v) ?? clientFromPeerId(peerId) ?? 'unknown'
}
