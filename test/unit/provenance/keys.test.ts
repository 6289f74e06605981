import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isVouchError } from '../../../src/errors.ts'
import {
  formatPublicKey,
  formatSecretKeyFile,
  generateKey,
  isValidPublicKey,
  parseAnyPublicKey,
  parsePublicKey,
  parseSecretKeyFile,
  signBytes,
  verifyBytes,
} from '../../../src/provenance/keys.ts'
import { KEY_A } from '../../fixtures/provenance/build.ts'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/provenance')

function expectBadInput(run: () => unknown, message: RegExp): void {
  let caught: unknown
  try {
    run()
  } catch (error) {
    caught = error
  }
  expect(isVouchError(caught), `expected VouchError, got ${String(caught)}`).toBe(true)
  if (isVouchError(caught)) {
    expect(caught.code).toBe('bad-input')
    expect(caught.message).toMatch(message)
  }
}

/** An OpenSSH blob from parts, for malformed variants. */
function sshLine(type: string, key: Uint8Array, extra = new Uint8Array()): string {
  const string = (bytes: Uint8Array) => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    return Buffer.concat([length, bytes])
  }
  return `ssh-ed25519 ${Buffer.concat([string(Buffer.from(type)), string(key), extra]).toString('base64')} test`
}

describe('public keys', () => {
  it('reads our own text form back, with or without a comment', () => {
    const text = formatPublicKey(KEY_A.publicKey)
    expect(parsePublicKey(text).fingerprint).toBe(KEY_A.fingerprint)
    expect(parsePublicKey(`  ${text} alice@example.org  \n`).fingerprint).toBe(KEY_A.fingerprint)
    expect(parsePublicKey(Buffer.from(KEY_A.publicKey).toString('hex')).fingerprint).toBe(KEY_A.fingerprint)
  })

  it('reads a real ssh-keygen ed25519 public key line', async () => {
    const line = await readFile(path.join(FIXTURES, 'openssh-ed25519.pub'), 'utf8')
    const key = parsePublicKey(line)
    // The key is the blob's last 32 bytes: 4 + "ssh-ed25519" (11) + 4 = 19 bytes precede it.
    const blob = Buffer.from(line.split(' ')[1] as string, 'base64')
    expect(Buffer.from(key.publicKey).equals(blob.subarray(19))).toBe(true)
    expect(key.fingerprint).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/)
  })

  it('reads an OpenSSH line built from a known key', () => {
    expect(parsePublicKey(sshLine('ssh-ed25519', KEY_A.publicKey)).fingerprint).toBe(KEY_A.fingerprint)
  })

  const valid = formatPublicKey(KEY_A.publicKey)
  const malformed: [string, () => unknown, RegExp][] = [
    ['too short', () => parsePublicKey(valid.slice(0, -1)), /43 base64url characters/],
    ['too long', () => parsePublicKey(`${valid}A`), /43 base64url characters/],
    ['non-canonical last character', () => parsePublicKey(`${valid.slice(0, -1)}h`), /canonical/],
    ['not base64url', () => parsePublicKey(`vouch-ed25519 ${'+'.repeat(43)}`), /43 base64url/],
    ['not a curve point', () => parsePublicKey('f'.repeat(64)), /not a valid ed25519 public key/],
    ['a small-order point', () => parsePublicKey(`01${'0'.repeat(62)}`), /not a valid ed25519 public key/],
    ['an RSA key', () => parsePublicKey('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x'), /not a public key/],
    [
      'an OpenSSH blob of another type',
      () => parsePublicKey(sshLine('ssh-rsa', KEY_A.publicKey)),
      /not ssh-ed25519/,
    ],
    [
      'an OpenSSH key of 31 bytes',
      () => parsePublicKey(sshLine('ssh-ed25519', KEY_A.publicKey.subarray(1))),
      /31 bytes/,
    ],
    [
      'extra bytes after an OpenSSH key',
      () => parsePublicKey(sshLine('ssh-ed25519', KEY_A.publicKey, new Uint8Array([0]))),
      /extra bytes/,
    ],
    [
      'a truncated OpenSSH blob',
      () => parsePublicKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO0E'),
      /truncated/,
    ],
    ['OpenSSH data that is not base64', () => parsePublicKey('ssh-ed25519 ***'), /not base64/],
    ['a length field of 4 GiB', () => parsePublicKey('ssh-ed25519 /////w=='), /truncated/],
    ['two keys', () => parsePublicKey(`${valid}\n${valid}`), /exactly one/],
    ['nothing', () => parsePublicKey('  \n# comment\n'), /no public key/],
    ['a secret key', () => parsePublicKey(formatSecretKeyFile(KEY_A)), /this is a secret key/],
    ['huge text', () => parsePublicKey('a'.repeat(100_000)), /too long/],
    ['a number instead of text', () => parsePublicKey(42 as unknown as string), /must be text/],
  ]
  for (const [what, run, message] of malformed) {
    it(`refuses ${what} with a clear bad-input error`, () => expectBadInput(run, message))
  }

  it('never throws anything but a bad-input VouchError, whatever the text (fast-check)', () => {
    const prefixes = fc.constantFrom(
      '',
      'vouch-ed25519 ',
      'ssh-ed25519 ',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5',
      '# x\n',
    )
    fc.assert(
      fc.property(prefixes, fc.string({ maxLength: 120 }), (prefix, rest) => {
        try {
          parsePublicKey(prefix + rest)
        } catch (error) {
          expect(isVouchError(error) && error.code).toBe('bad-input')
        }
      }),
      { numRuns: 2000 },
    )
  })
})

describe('secret key files', () => {
  it('round-trip, with comments naming the fingerprint and public key', () => {
    const key = generateKey()
    const text = formatSecretKeyFile(key)
    expect(text).toContain(key.fingerprint)
    expect(text).toContain(formatPublicKey(key.publicKey))
    const read = parseSecretKeyFile(text)
    expect(Buffer.from(read.secretKey).equals(Buffer.from(key.secretKey))).toBe(true)
    expect(parseAnyPublicKey(text).fingerprint).toBe(key.fingerprint)
  })

  it.each([
    ['empty', '', /not a Vouch secret key file/],
    ['a public key', formatPublicKey(KEY_A.publicKey), /not a Vouch secret key file/],
    [
      'two key lines',
      `${formatSecretKeyFile(KEY_A)}${formatSecretKeyFile(KEY_A)}`,
      /not a Vouch secret key file/,
    ],
    ['a short seed', 'vouch-ed25519-secret AAAA', /43 base64url characters/],
  ])('refuse %s', (_what, text, message) => expectBadInput(() => parseSecretKeyFile(text), message))
})

describe('signatures', () => {
  it('verify returns false, never throws, for wrong lengths and garbage', () => {
    const message = new Uint8Array([1, 2, 3])
    const signature = signBytes(message, KEY_A)
    expect(verifyBytes(signature, message, KEY_A.publicKey)).toBe(true)
    expect(verifyBytes(signature.subarray(1), message, KEY_A.publicKey)).toBe(false)
    expect(verifyBytes(signature, message, KEY_A.publicKey.subarray(1))).toBe(false)
    expect(verifyBytes(new Uint8Array(64).fill(0xff), message, new Uint8Array(32).fill(0xff))).toBe(false)
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (sig, key) => {
          expect(verifyBytes(sig, message, key)).toBe(false)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('refuses a malleated signature: S + L verifies the same equation but is not canonical', () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    const message = new Uint8Array([1, 2, 3])
    const signature = signBytes(message, KEY_A)
    const s = Buffer.from(signature.subarray(32)).reverse()
    const malleated = BigInt(`0x${s.toString('hex')}`) + L
    const bytes = Buffer.from(malleated.toString(16).padStart(64, '0'), 'hex').reverse()
    const forged = new Uint8Array([...signature.subarray(0, 32), ...bytes])
    expect(forged).not.toEqual(signature)
    expect(verifyBytes(forged, message, KEY_A.publicKey)).toBe(false)
  })

  it('refuses small-order public keys, whose signatures can verify for many messages', () => {
    // The identity point (y = 1): with R = identity and S = 0 the equation holds for any message.
    const identity = new Uint8Array(32)
    identity[0] = 1
    const signature = new Uint8Array(64)
    signature.set(identity, 0)
    expect(isValidPublicKey(identity)).toBe(false)
    expect(verifyBytes(signature, new Uint8Array([1, 2, 3]), identity)).toBe(false)
  })
})
