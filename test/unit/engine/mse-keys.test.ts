import crypto, { createDiffieHellman } from 'node:crypto'
import Wire from 'bittorrent-protocol'
import { describe, expect, it, vi } from 'vitest'
import { installMseKeyPairs, MSE_PRIME_HEX, MseKeyPair } from '../../../src/engine/mse-keys.ts'

const PRIME = BigInt(`0x${MSE_PRIME_HEX}`)
const bytes = (value: bigint) => Buffer.from(value.toString(16).padStart(192, '0'), 'hex')

describe('MSE key pairs', () => {
  // First: the install is once per process.
  it('are installed without a Diffie-Hellman group check, which waits for the first handshake', () => {
    const upstream = vi.spyOn(crypto, 'createDiffieHellman')
    try {
      installMseKeyPairs()
      expect(upstream, 'DH_check at install, ~30 ms at every serve start').not.toHaveBeenCalled()
      const WireClass = Wire as unknown as new (
        type: string,
        peEnabled: number,
      ) => Wire & { _encryptor: { dh: unknown } }
      const wire = new WireClass('tcpOutgoing', 1)
      expect(wire._encryptor.dh).toBeInstanceOf(MseKeyPair)
      expect(new WireClass('tcpOutgoing', 1)._encryptor.dh).toBeInstanceOf(MseKeyPair)
      expect(upstream, 'one reference pair to check the group, then none').toHaveBeenCalledTimes(1)
      wire.destroy()
    } finally {
      upstream.mockRestore()
    }
  })

  it('agree on the shared secret with Node’s Diffie-Hellman over the MSE prime, either side first', () => {
    for (let round = 0; round < 4; round++) {
      const node = createDiffieHellman(MSE_PRIME_HEX, 'hex', 2)
      const nodePublic = node.generateKeys()
      const ours = new MseKeyPair()
      const ourPublic = ours.generateKeys()
      expect(ourPublic).toHaveLength(96)
      const ourSecret = ours.computeSecret(nodePublic)
      expect(ourSecret).toHaveLength(96)
      expect(ourSecret.equals(node.computeSecret(ourPublic)), `round ${round}`).toBe(true)
    }
  })

  it('draw a fresh private key per pair, and keep one public value per pair', () => {
    const first = new MseKeyPair()
    const second = new MseKeyPair()
    expect(first.generateKeys().equals(second.generateKeys())).toBe(false)
    expect(first.generateKeys().equals(first.generateKeys())).toBe(true)
  })

  it('refuse a peer value outside [2, p − 2], as Node does', () => {
    const pair = new MseKeyPair()
    for (const value of [0n, 1n, PRIME - 1n, PRIME, PRIME + 5n]) {
      expect(() => pair.computeSecret(bytes(value)), `y = ${value}`).toThrow(/invalid MSE public key/)
    }
    expect(pair.computeSecret(bytes(2n))).toHaveLength(96)
  })

  it('are what bittorrent-protocol’s PE handshake uses once installed, and two wires still handshake', async () => {
    installMseKeyPairs()
    type PeWire = Wire & {
      _encryptor: { dh: unknown; cryptoHandshakeDone: boolean; encryptionMethod: number | null }
      startEncryption(infoHash: string): void
      setInfoHash?(infoHash: string): void
      pipe(destination: PeWire): PeWire
    }
    const WireClass = Wire as unknown as new (type: string, peEnabled: number) => PeWire
    const infoHash = 'aa'.repeat(20)
    const outgoing = new WireClass('tcpOutgoing', 1)
    const incoming = new WireClass('tcpIncoming', 1)
    outgoing.pipe(incoming).pipe(outgoing)
    try {
      expect(outgoing._encryptor.dh).toBeInstanceOf(MseKeyPair)
      expect(incoming._encryptor.dh).toBeInstanceOf(MseKeyPair)
      const handshakes = Promise.all(
        [outgoing, incoming].map(
          (wire) => new Promise<string>((resolve) => wire.once('handshake', (hash: string) => resolve(hash))),
        ),
      )
      incoming.once('crypto-infohash', () => incoming.setInfoHash?.(infoHash))
      incoming.once('crypto-handshake', () => incoming.handshake(infoHash, 'bb'.repeat(20)))
      outgoing.once('crypto-handshake', () => outgoing.handshake(infoHash, 'cc'.repeat(20)))
      outgoing.startEncryption(infoHash)
      let timer: NodeJS.Timeout | undefined
      const result = await Promise.race([
        handshakes,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('PE handshake did not complete in 5 s')), 5000)
        }),
      ]).finally(() => clearTimeout(timer))
      expect(result).toEqual([infoHash, infoHash])
      // Method 1 (plaintext after the PE handshake) is only selected once both derived the same
      // secret (the responder finds the initiator's step 3 by a hash of it); a fallback leaves null.
      expect(outgoing._encryptor.encryptionMethod).toBe(1)
      expect(incoming._encryptor.encryptionMethod).toBe(1)
    } finally {
      outgoing.destroy()
      incoming.destroy()
    }
  })
})
