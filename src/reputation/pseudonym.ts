/**
 * `--pseudonymise`: addresses in a report become `anon:` + the first 16 bytes of
 * HMAC-SHA256(key, address) in hex. The key is 32 random bytes made once per data directory
 * (HOME/pseudonym.key, mode 0600) and never leaves it, so reports from one installation can be
 * correlated with each other but not reversed, even by trying every IPv4 address.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { VouchError } from '../errors.ts'

export const PSEUDONYM_KEY_FILE = 'pseudonym.key'

/** Read the installation's key, creating it on first use. */
export function pseudonymKey(home: string): Uint8Array {
  const file = path.join(home, PSEUDONYM_KEY_FILE)
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const text = readFileSync(file, 'utf8').trim()
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new VouchError('bad-input', `${file} is not a pseudonym key (64 hex digits)`, { file })
  return new Uint8Array(Buffer.from(text, 'hex'))
}

export function pseudonymise(key: Uint8Array, address: string): string {
  return `anon:${createHmac('sha256', key).update(address).digest('hex').slice(0, 32)}`
}
