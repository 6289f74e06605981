/** The test vectors of docs/formats.md, checked byte for byte. */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { envelopeToText, envelopesFromMagnet } from '../../../src/provenance/carriers.ts'
import { encodeEnvelope, encodeStatement, signedMessage } from '../../../src/provenance/envelope.ts'
import { formatPublicKey } from '../../../src/provenance/keys.ts'
import { signTorrent } from '../../../src/provenance/sign.ts'
import { readProvenanceTorrent } from '../../../src/provenance/torrent.ts'
import { CREATED, EXPIRES, KEY_A, SEED_A, buildTorrent } from '../../fixtures/provenance/build.ts'

const VECTOR = {
  publicKeyHex: '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
  publicKeyText: 'vouch-ed25519 A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg',
  fingerprint: '5647-5aa7-5463-474c',
  torrentHex:
    '64343a696e666f64363a6c656e67746869313665343a6e616d6531303a766563746f722e74787431323a7069656365' +
    '206c656e67746869313633383465363a70696563657332303aaa2709e2a1f44a112582c729b3c1053a4bf61a456565',
  infoHash: 'c0253baaca6157faf26c63247bd1debc5becc547',
  infoSha256: 'a6483b38d9e5180d011c0e0ce1f82ad6bd58065c6983bd0b779297f05de00173',
  statementHex:
    '64373a63726561746564693137363732323536303065373a6578706972657369313739383736313630306531313a696e666f' +
    '2d73686132353633323aa6483b38d9e5180d011c0e0ce1f82ad6bd58065c6983bd0b779297f05de00173383a696e666f6861' +
    '736832303ac0253baaca6157faf26c63247bd1debc5becc547333a6b657933323a03a107bff3ce10be1d70dd18e74bc09967' +
    'e4d6309ba50d5f1ddc8664125531b8363a6c656e67746869313665343a6e616d6531303a766563746f722e74787438' +
    '3a73657175656e6365693765313a7669316565',
  signatureHex:
    '1f7f7ba8332a0d50e84992df00111217a3a44926d943f2c7db8d2de28d5873780f46c4bcd456a60f8044abaad7ae951df1dbe48ae5a751b0652fce07249deb0f',
  envelopeText:
    'ZDc6Y3JlYXRlZGkxNzY3MjI1NjAwZTc6ZXhwaXJlc2kxNzk4NzYxNjAwZTExOmluZm8tc2hhMjU2MzI6pkg7ONnlGA0BHA4M4fgq1r1YBlxpg70Ld5KX8F3gAXM4OmluZm9oYXNoMjA6wCU7qsphV_rybGMke9HevFvsxUczOmtleTMyOgOhB7_zzhC-HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4NjpsZW5ndGhpMTZlNDpuYW1lMTA6dmVjdG9yLnR4dDg6c2VxdWVuY2VpN2U5OnNpZ25hdHVyZTY0Oh9_e6gzKg1Q6EmS3wAREhejpEkm2UPyx9uNLeKNWHN4D0bEvNRWpg-ARKuq166VHfHb5Irlp1GwZS_OBySd6w8xOnZpMWVl',
  signedTorrentSha256: '0748ee43922ffb8782ac3779e097ae7f0698122633f7a236ff16f46c61f08a5b',
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** Node's own ed25519 (OpenSSL), as a second implementation: PKCS#8 / SPKI wrappers around raw keys. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex')

function signed() {
  // A version 1 envelope (no tracker binding): envelopes made before version 2 stay valid.
  return signTorrent(buildTorrent(), KEY_A, {
    created: CREATED,
    expires: EXPIRES,
    sequence: 7,
    bindSources: false,
  })
}

describe('docs/formats.md test vectors', () => {
  it('vector key A: public key, text form and fingerprint', () => {
    expect(hex(KEY_A.publicKey), 'A public key').toBe(VECTOR.publicKeyHex)
    expect(formatPublicKey(KEY_A.publicKey), 'A text').toBe(VECTOR.publicKeyText)
    expect(KEY_A.fingerprint, 'A fingerprint').toBe(VECTOR.fingerprint)
    const nodeKey = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519, SEED_A]),
      format: 'der',
      type: 'pkcs8',
    })
    const raw = createPublicKey(nodeKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length)
    expect(raw.toString('hex'), 'A public key by OpenSSL').toBe(VECTOR.publicKeyHex)
  })

  it('vector torrent V: exact bytes, infohash and info SHA-256', () => {
    const torrent = buildTorrent()
    expect(hex(torrent), 'V bytes').toBe(VECTOR.torrentHex)
    const read = readProvenanceTorrent(torrent)
    expect(read.facts.infoHash, 'V infohash').toBe(VECTOR.infoHash)
    expect(hex(read.facts.infoSha256), 'V info SHA-256').toBe(VECTOR.infoSha256)
  })

  it('vector statement, signed message and signature (checked by OpenSSL too)', () => {
    const { envelope } = signed()
    expect(hex(encodeStatement(envelope)), 'statement bytes').toBe(VECTOR.statementHex)
    const message = signedMessage(envelope)
    expect(Buffer.from(message.subarray(0, 18)).toString('latin1'), 'domain prefix').toBe(
      'vouch-envelope-v1\0',
    )
    expect(message.length, 'message length').toBe(234)
    expect(hex(envelope.signature), 'signature').toBe(VECTOR.signatureHex)
    const nodePublic = createPublicKey({
      key: Buffer.concat([SPKI_ED25519, Buffer.from(VECTOR.publicKeyHex, 'hex')]),
      format: 'der',
      type: 'spki',
    })
    expect(
      nodeVerify(null, message, nodePublic, Buffer.from(VECTOR.signatureHex, 'hex')),
      'OpenSSL verifies',
    ).toBe(true)
    const nodePrivate = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519, SEED_A]),
      format: 'der',
      type: 'pkcs8',
    })
    expect(nodeSign(null, message, nodePrivate).toString('hex'), 'OpenSSL signs the same').toBe(
      VECTOR.signatureHex,
    )
  })

  it('vector envelope: 294 bytes, its base64url text, and the signed torrent', () => {
    const result = signed()
    expect(encodeEnvelope(result.envelope).length, 'envelope length').toBe(294)
    expect(envelopeToText(result.envelope), 'envelope text').toBe(VECTOR.envelopeText)
    expect(sha256Hex(result.bytes), 'signed torrent SHA-256').toBe(VECTOR.signedTorrentSha256)
    expect(readProvenanceTorrent(result.bytes).facts.infoHash, 'infohash unchanged').toBe(VECTOR.infoHash)
  })

  it('vector envelope text decodes back to the same fields', () => {
    const [candidate] = envelopesFromMagnet(
      `magnet:?xt=urn:btih:${VECTOR.infoHash}&x.vouch=${VECTOR.envelopeText}`,
    )
    expect(candidate?.ok).toBe(true)
    if (!candidate?.ok) return
    expect(hex(candidate.envelope.infoHash)).toBe(VECTOR.infoHash)
    expect(hex(candidate.envelope.infoSha256)).toBe(VECTOR.infoSha256)
    expect(new TextDecoder().decode(candidate.envelope.name)).toBe('vector.txt')
    expect(candidate.envelope).toMatchObject({ length: 16, created: CREATED, expires: EXPIRES, sequence: 7 })
    expect(hex(candidate.envelope.signature)).toBe(VECTOR.signatureHex)
  })
})
