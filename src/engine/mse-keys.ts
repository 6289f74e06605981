/**
 * Cheap Diffie-Hellman key pairs for the BitTorrent protocol-encryption handshake (MSE/PE).
 *
 * WebTorrent encrypts handshakes by default (`secure: 1`): every outgoing connection starts a PE
 * handshake and every incoming one answers it. bittorrent-protocol builds each side's key pair with
 * `crypto.createDiffieHellman(prime)`, and Node runs OpenSSL's DH_check on a given prime every time
 * (primality tests of p and (p − 1) / 2): 10–20 ms of blocked event loop per connection on a loaded
 * 2-core machine, for a prime that never changes. A torrent dialling its peers before `ready` was
 * held up that long per peer, which was most of a poisoned bench run's lag behind a clean one (the
 * poisoner is one connection more).
 *
 * `MseKeyPair` does the same arithmetic with BigInt over the same fixed 768-bit MSE group: a
 * 160-bit random private exponent (the MSE spec's advice: at least 128 bits, nothing gained past
 * 180), the public value and the shared secret as 96 big-endian bytes (as Node returns the secret),
 * and a peer's value accepted only in [2, p − 2], as Node's check does. About 0.2 ms a step. The
 * arithmetic is not constant-time; PE is an unauthenticated obfuscation layer with a fresh key per
 * connection, not a secret worth a timing attack.
 */
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import Wire from 'bittorrent-protocol'

/** The MSE spec's prime (768 bits, not RFC 2409's group 1) and generator. */
export const MSE_PRIME_HEX =
  'ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef' +
  '9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a63a36210000000000090563'
const PRIME = BigInt(`0x${MSE_PRIME_HEX}`)
const GENERATOR = 2n
const KEY_BYTES = 96
const PRIVATE_KEY_BYTES = 20

/** The two calls bittorrent-protocol's MSE code makes on its `dh`. */
export class MseKeyPair {
  readonly #privateKey = toBigInt(randomBytes(PRIVATE_KEY_BYTES))
  #publicKey: Buffer | null = null

  /** This side's public value Y = g^X mod p, 96 bytes. */
  generateKeys(): Buffer {
    this.#publicKey ??= toBytes(modPow(GENERATOR, this.#privateKey, PRIME))
    return this.#publicKey
  }

  /** The shared secret S = Y_peer^X mod p, 96 bytes. Throws on a peer value outside [2, p − 2]. */
  computeSecret(peerPublicKey: Uint8Array): Buffer {
    const peer = toBigInt(peerPublicKey)
    if (peer < 2n || peer > PRIME - 2n) throw new Error('invalid MSE public key from peer')
    return toBytes(modPow(peer, this.#privateKey, PRIME))
  }
}

type WireWithEncryptor = Wire & { _encryptor?: object | null }

let installed = false

/**
 * Make bittorrent-protocol's MSE handshakes (every wire of this process, WebTorrent's own included)
 * use `MseKeyPair`. Done once; upstream's code stays in use if its MSE code no longer has the shape
 * (checked here) or the group (checked at the first handshake) this was written for.
 */
export function installMseKeyPairs(): void {
  if (installed) return
  installed = true
  const WireClass = Wire as unknown as new (type: string, peEnabled: number) => WireWithEncryptor
  const probe = new WireClass('tcpOutgoing', 1)
  const encryptor = probe._encryptor
  probe.destroy()
  if (!encryptor) return
  const prototype = Object.getPrototypeOf(encryptor) as object
  const upstream = Object.getOwnPropertyDescriptor(prototype, 'dh')?.get
  if (!upstream) return
  // One upstream key pair, to check that it still uses the group MseKeyPair computes in: made at
  // the first handshake, not here, for it costs the very DH_check avoided (~30 ms, at every start
  // of `vouch serve`, which may make no encrypted connection for a long while).
  let sameGroup: boolean | undefined
  Object.defineProperty(prototype, 'dh', {
    configurable: true,
    get(this: { _dh?: MseKeyPair | null }) {
      if (sameGroup === undefined) {
        const reference = upstream.call({}) as { getPrime(encoding: 'hex'): string; getGenerator(): Buffer }
        sameGroup =
          reference.getPrime('hex') === MSE_PRIME_HEX && toBigInt(reference.getGenerator()) === GENERATOR
      }
      if (!sameGroup) return upstream.call(this)
      this._dh ??= new MseKeyPair()
      return this._dh
    },
  })
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n
  let square = base % modulus
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * square) % modulus
    square = (square * square) % modulus
  }
  return result
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}

function toBytes(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(KEY_BYTES * 2, '0'), 'hex')
}
