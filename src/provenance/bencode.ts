/**
 * A strict bencode reader that keeps byte spans, and a small canonical encoder.
 *
 * Provenance signs the SHA-256 of the info dictionary's bytes exactly as they appear in the
 * .torrent, so the reader never re-encodes anything: every value carries its [start, end) span in
 * the input. It accepts canonical bencode only (BEP 3: dictionary keys sorted as raw bytes and
 * unique, no leading zeros, no negative zero), because a non-canonical info dictionary hashes
 * differently in clients that re-encode it (WebTorrent does), and the swarm would not be the one
 * that was signed.
 */

export type BencodeValue = BencodeInteger | BencodeBytes | BencodeList | BencodeDictionary

interface Span {
  /** Offset of the value's first byte in the input. */
  start: number
  /** Offset just past the value's last byte. */
  end: number
}

export interface BencodeInteger extends Span {
  type: 'integer'
  value: bigint
}

export interface BencodeBytes extends Span {
  type: 'bytes'
  value: Uint8Array
}

export interface BencodeList extends Span {
  type: 'list'
  items: BencodeValue[]
}

export interface BencodeEntry {
  key: Uint8Array
  /** The key as a binary (latin1) string, for lookups. */
  name: string
  /** Offset of the key's first byte; the entry spans [keyStart, value.end). */
  keyStart: number
  value: BencodeValue
}

export interface BencodeDictionary extends Span {
  type: 'dictionary'
  entries: BencodeEntry[]
}

export interface BencodeLimits {
  /** Largest input accepted, in bytes. */
  maxBytes: number
  /** Deepest nesting of lists and dictionaries. */
  maxDepth: number
  /** Most digits in an integer. */
  maxIntegerDigits: number
}

export const DEFAULT_BENCODE_LIMITS: BencodeLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxIntegerDigits: 20,
}

/** What was wrong and where; thrown only by this module and always caught by its callers. */
export class BencodeError extends Error {
  readonly offset: number
  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`)
    this.name = 'BencodeError'
    this.offset = offset
  }
}

const DIGIT_0 = 0x30
const DIGIT_9 = 0x39
const COLON = 0x3a
const MINUS = 0x2d
const LETTER_D = 0x64
const LETTER_E = 0x65
const LETTER_I = 0x69
const LETTER_L = 0x6c

/** Decode exactly one value spanning all of `input`. Throws BencodeError on anything non-canonical. */
export function decodeBencode(input: Uint8Array, limits: Partial<BencodeLimits> = {}): BencodeValue {
  const { maxBytes, maxDepth, maxIntegerDigits } = { ...DEFAULT_BENCODE_LIMITS, ...limits }
  if (!(input instanceof Uint8Array)) throw new BencodeError('input is not a byte array', 0)
  if (input.length > maxBytes) throw new BencodeError(`input is larger than ${maxBytes} bytes`, 0)
  let position = 0

  const isDigit = (byte: number | undefined): boolean =>
    byte !== undefined && byte >= DIGIT_0 && byte <= DIGIT_9

  const readDigits = (what: string): string => {
    const start = position
    while (isDigit(input[position])) {
      position++
      if (position - start > maxIntegerDigits)
        throw new BencodeError(`${what} has more than ${maxIntegerDigits} digits`, start)
    }
    if (position === start) throw new BencodeError(`expected digits for ${what}`, start)
    const digits = binaryString(input.subarray(start, position))
    if (digits.length > 1 && digits.startsWith('0'))
      throw new BencodeError(`${what} has a leading zero`, start)
    return digits
  }

  const expect = (byte: number, what: string): void => {
    if (input[position] !== byte) throw new BencodeError(`expected ${what}`, position)
    position++
  }

  const readBytes = (): BencodeBytes => {
    const start = position
    const length = Number(readDigits('string length'))
    expect(COLON, "':' after a string length")
    if (length > input.length - position)
      throw new BencodeError(`string of ${length} bytes runs past the end of the input`, start)
    const value = input.subarray(position, position + length)
    position += length
    return { type: 'bytes', value, start, end: position }
  }

  const readValue = (depth: number): BencodeValue => {
    const start = position
    const byte = input[position]
    if (byte === undefined) throw new BencodeError('unexpected end of input', position)
    if (byte === LETTER_I) {
      position++
      const negative = input[position] === MINUS
      if (negative) position++
      const digits = readDigits('integer')
      if (negative && digits === '0') throw new BencodeError('negative zero', start)
      expect(LETTER_E, "'e' after an integer")
      const magnitude = BigInt(digits)
      return { type: 'integer', value: negative ? -magnitude : magnitude, start, end: position }
    }
    if (isDigit(byte)) return readBytes()
    if (byte === LETTER_L || byte === LETTER_D) {
      if (depth >= maxDepth) throw new BencodeError(`nested deeper than ${maxDepth} levels`, position)
      position++
      if (byte === LETTER_L) {
        const items: BencodeValue[] = []
        while (input[position] !== LETTER_E) {
          if (input[position] === undefined) throw new BencodeError('unterminated list', start)
          items.push(readValue(depth + 1))
        }
        position++
        return { type: 'list', items, start, end: position }
      }
      const entries: BencodeEntry[] = []
      let previous: Uint8Array | undefined
      while (input[position] !== LETTER_E) {
        if (input[position] === undefined) throw new BencodeError('unterminated dictionary', start)
        const keyStart = position
        if (!isDigit(input[position])) throw new BencodeError('dictionary key is not a string', position)
        const key = readBytes().value
        if (previous && compareBytes(previous, key) >= 0)
          throw new BencodeError('dictionary keys are not sorted and unique', keyStart)
        previous = key
        const value = readValue(depth + 1)
        entries.push({ key, name: binaryString(key), keyStart, value })
      }
      position++
      return { type: 'dictionary', entries, start, end: position }
    }
    throw new BencodeError(`unexpected byte 0x${byte.toString(16).padStart(2, '0')}`, position)
  }

  const value = readValue(0)
  if (position !== input.length) throw new BencodeError('trailing bytes after the value', position)
  return value
}

/** Look up a dictionary entry by its key (ASCII). */
export function entryOf(dictionary: BencodeDictionary, name: string): BencodeValue | undefined {
  return dictionary.entries.find((entry) => entry.name === name)?.value
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let index = 0; index < length; index++) {
    const difference = (a[index] as number) - (b[index] as number)
    if (difference !== 0) return difference
  }
  return a.length - b.length
}

export function binaryString(bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  return text
}

/** What the encoder accepts: integers, byte strings, lists, and dictionaries keyed by ASCII names. */
export type Encodable = bigint | number | Uint8Array | Encodable[] | { [key: string]: Encodable | undefined }

/** Canonical bencode: dictionary keys sorted as bytes, `undefined` entries left out. */
export function encodeBencode(value: Encodable): Uint8Array {
  const parts: Uint8Array[] = []
  const ascii = (text: string) => parts.push(new TextEncoder().encode(text))
  const write = (item: Encodable): void => {
    if (typeof item === 'bigint' || typeof item === 'number') {
      if (typeof item === 'number' && !Number.isSafeInteger(item))
        throw new TypeError(`cannot encode ${item}: not a safe integer`)
      ascii(`i${item.toString()}e`)
    } else if (item instanceof Uint8Array) {
      ascii(`${item.length}:`)
      parts.push(item)
    } else if (Array.isArray(item)) {
      ascii('l')
      for (const element of item) write(element)
      ascii('e')
    } else {
      ascii('d')
      const keys = Object.keys(item)
        .filter((key) => item[key] !== undefined)
        .map((key) => new TextEncoder().encode(key))
        .sort(compareBytes)
      for (const key of keys) {
        ascii(`${key.length}:`)
        parts.push(key)
        write(item[new TextDecoder().decode(key)] as Encodable)
      }
      ascii('e')
    }
  }
  write(value)
  return concatBytes(parts)
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
