/**
 * Feed magnets (BEP 46): `magnet:?xs=urn:btpk:<64 hex: public key>&s=<hex: salt>`. Parsed and
 * written here because magnet-uri drops `s` when it re-encodes a magnet. Vouch's salt is the feed
 * name's UTF-8 bytes; `s` is optional in BEP 46 (an unsalted item).
 */
import { VouchError } from '../errors.ts'
import { PUBLIC_KEY_LENGTH } from '../provenance/keys.ts'
import { MAX_SALT_BYTES } from './bep44.ts'

export interface FeedAddress {
  publicKey: Uint8Array
  salt: Uint8Array
}

const MAX_MAGNET_LENGTH = 2048
const KEY_HEX = /^[0-9a-f]{64}$/i
const SALT_HEX = /^(?:[0-9a-f]{2})*$/i

export function formatFeedMagnet(feed: FeedAddress): string {
  const key = Buffer.from(feed.publicKey).toString('hex')
  const salt = feed.salt.length > 0 ? `&s=${Buffer.from(feed.salt).toString('hex')}` : ''
  return `magnet:?xs=urn:btpk:${key}${salt}`
}

function bad(text: string, why: string): VouchError {
  return new VouchError('bad-input', `'${text.slice(0, 120)}' is not a feed magnet: ${why}`)
}

export function parseFeedMagnet(text: string): FeedAddress {
  const trimmed = text.trim()
  if (trimmed.length > MAX_MAGNET_LENGTH) throw bad(trimmed, `longer than ${MAX_MAGNET_LENGTH} characters`)
  if (!trimmed.toLowerCase().startsWith('magnet:?'))
    throw bad(trimmed, 'expected magnet:?xs=urn:btpk:<key>&s=<salt>')
  let key: string | undefined
  let salt: string | undefined
  for (const part of trimmed.slice('magnet:?'.length).split('&')) {
    if (part === '') continue
    const equals = part.indexOf('=')
    const name = (equals < 0 ? part : part.slice(0, equals)).toLowerCase()
    let value: string
    try {
      value = decodeURIComponent(equals < 0 ? '' : part.slice(equals + 1))
    } catch {
      throw bad(trimmed, `parameter '${name}' is not valid percent-encoding`)
    }
    if (name === 'xs' && value.toLowerCase().startsWith('urn:btpk:')) {
      if (key !== undefined) throw bad(trimmed, 'more than one urn:btpk key')
      key = value.slice('urn:btpk:'.length)
    } else if (name === 's') {
      if (salt !== undefined) throw bad(trimmed, "more than one 's'")
      salt = value
    }
  }
  if (key === undefined) throw bad(trimmed, 'no xs=urn:btpk:<64 hex digits>')
  if (!KEY_HEX.test(key)) throw bad(trimmed, `the key must be ${PUBLIC_KEY_LENGTH * 2} hex digits`)
  if (salt !== undefined && !SALT_HEX.test(salt)) throw bad(trimmed, "'s' must be hex bytes")
  const saltBytes = new Uint8Array(Buffer.from(salt ?? '', 'hex'))
  if (saltBytes.length > MAX_SALT_BYTES) throw bad(trimmed, `the salt is more than ${MAX_SALT_BYTES} bytes`)
  return { publicKey: new Uint8Array(Buffer.from(key, 'hex')), salt: saltBytes }
}

/** A C0 control character or DEL (a name shown to people must not carry them). */
function hasControl(text: string): boolean {
  return [...text].some((char) => {
    const code = char.codePointAt(0) as number
    return code < 0x20 || code === 0x7f
  })
}

/** A feed name becomes the salt: 1 to 64 bytes of UTF-8, no control characters. */
export function feedNameToSalt(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name)
  if (bytes.length === 0 || bytes.length > MAX_SALT_BYTES || hasControl(name))
    throw new VouchError(
      'usage',
      `--feed must be 1 to ${MAX_SALT_BYTES} bytes of text without control characters, not '${name.slice(0, 80)}'`,
    )
  return bytes
}

/** The salt shown as the feed's name (hex when it is not text). */
export function feedNameOf(salt: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(salt)
  return hasControl(text) || text.includes('\ufffd') ? `0x${Buffer.from(salt).toString('hex')}` : text
}
