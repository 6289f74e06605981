import { describe, expect, it } from 'vitest'
import { clientFromHandshake, clientFromPeerId, clientName } from '../../../src/engine/peer-client.ts'

/** A 20-byte peer ID starting with `prefix`, padded as clients pad it. */
const id = (prefix: string) => new Uint8Array(Buffer.from(prefix.padEnd(20, 'x'), 'latin1'))

describe('client names from peer IDs', () => {
  it.each([
    ['-qB4650-', 'qBittorrent 4.6.5'],
    ['-qB4651-', 'qBittorrent 4.6.5.1'],
    ['-TR3000-', 'Transmission 3.00'],
    ['-TR294Z-', 'Transmission 2.94'],
    ['-TR4060-', 'Transmission 4.0.6'],
    ['-lt0D80-', 'libTorrent (rakshasa) 0.13.8'],
    ['-LT2090-', 'libtorrent 2.0.9'],
    ['-WW0300-', 'WebTorrent 3.0'],
    ['-UT355W-', 'µTorrent 3.5.5.32'],
    ['-ZZ1234-', 'ZZ 1.2.3.4'],
    ['M4-3-6--', 'BitTorrent 4.3.6'],
    ['S58B-----', 'Shad0w 5.8.11'],
  ])('%s is %s', (prefix, expected) => {
    expect(clientFromPeerId(id(prefix)), prefix).toBe(expected)
  })

  it.each([['xxxxxxxx'], ['-q'], ['--------'], ['\u0000\u0001\u0002']])(
    'names no client for %j',
    (prefix) => {
      expect(clientFromPeerId(id(prefix))).toBeNull()
    },
  )

  it('needs exactly 20 bytes', () => {
    expect(clientFromPeerId(new Uint8Array(Buffer.from('-qB4650-')))).toBeNull()
    expect(clientFromPeerId(undefined)).toBeNull()
  })
})

describe('client names from the extended handshake', () => {
  it('prefers the handshake’s v, as bytes or text, over the peer ID', () => {
    expect(clientName(id('-qB4650-'), new TextEncoder().encode('qBittorrent/4.6.5'))).toBe(
      'qBittorrent/4.6.5',
    )
    expect(clientName(id('-TR3000-'), 'Transmission 3.00')).toBe('Transmission 3.00')
  })

  it('falls back to the peer ID when v is missing, empty, too long or not printable', () => {
    for (const v of [undefined, '', ' ', 'x'.repeat(65), 'evil\u001b[31m', 42]) {
      expect(clientFromHandshake(v)).toBeNull()
      expect(clientName(id('-WW0300-'), v)).toBe('WebTorrent 3.0')
    }
    expect(clientName(undefined, undefined)).toBe('unknown')
  })
})
