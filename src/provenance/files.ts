/** Key files on disk and the key and date arguments the CLI accepts. */
import { open, rm, type FileHandle } from 'node:fs/promises'
import { readBoundedFile } from '../bounded-read.ts'
import { VouchError } from '../errors.ts'
import { sharedKeyMode } from '../private-files.ts'
import {
  MAX_KEY_FILE_BYTES,
  PUBLIC_KEY_PREFIX,
  formatPublicKey,
  formatSecretKeyFile,
  parseAnyPublicKey,
  parseSecretKeyFile,
  type PublisherKey,
  type SecretKey,
} from './keys.ts'

async function readSmallText(file: string, what: string): Promise<string> {
  return (await readBoundedFile(file, MAX_KEY_FILE_BYTES, what)).toString('utf8')
}

export interface SecretKeyReadOptions {
  /** Use a key file other users may read (`--insecure-key-permissions`); refused otherwise, as ssh does. */
  insecurePermissions?: boolean
}

export async function readSecretKeyFile(
  file: string,
  options: SecretKeyReadOptions = {},
): Promise<SecretKey> {
  const bytes = await readBoundedFile(file, MAX_KEY_FILE_BYTES, 'secret key', (stats) => {
    const mode = sharedKeyMode(stats.mode)
    if (mode && !options.insecurePermissions)
      throw new VouchError(
        'bad-input',
        `${file} is readable by other users (mode ${mode}): a secret key must be private. Run chmod 600 ${file}, or pass --insecure-key-permissions`,
        { file, mode },
      )
  })
  try {
    return parseSecretKeyFile(bytes.toString('utf8'))
  } catch (error) {
    throw new VouchError('bad-input', `${file}: ${(error as Error).message}`, { file })
  }
}

/** Create `file` exclusively: O_EXCL also refuses a symbolic link planted at that name. */
async function createExclusive(file: string, mode: number): Promise<FileHandle> {
  try {
    return await open(file, 'wx', mode)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new VouchError(
      'bad-input',
      code === 'EEXIST'
        ? `${file} already exists; refusing to overwrite a key`
        : `cannot write ${file}: ${(error as Error).message}`,
      { file },
    )
  }
}

/**
 * Write a new secret key file (mode 0600) and its public key next to it as FILE.pub. Neither may
 * exist yet (nor be a link): both are claimed before either is written, and a failure leaves
 * neither behind. Returns the public key file's path.
 */
export async function writeKeyFiles(file: string, key: SecretKey): Promise<string> {
  const publicFile = `${file}.pub`
  const secretHandle = await createExclusive(file, 0o600)
  let publicHandle: FileHandle | undefined
  try {
    publicHandle = await createExclusive(publicFile, 0o644)
    await secretHandle.writeFile(formatSecretKeyFile(key))
    // The umask cannot widen an explicit chmod.
    await secretHandle.chmod(0o600)
    await publicHandle.writeFile(`${formatPublicKey(key.publicKey)} ${key.fingerprint}\n`)
  } catch (error) {
    await secretHandle.close()
    await publicHandle?.close()
    await rm(file, { force: true })
    if (publicHandle) await rm(publicFile, { force: true })
    throw error instanceof VouchError
      ? error
      : new VouchError('bad-input', `cannot write ${file}: ${(error as Error).message}`, { file })
  }
  await secretHandle.close()
  await publicHandle.close()
  return publicFile
}

/** `trust add` takes a key (`vouch-ed25519 …`, `ssh-ed25519 AAAA…`, 64 hex digits) or a file holding one. */
export async function readPublicKeyArgument(argument: string): Promise<PublisherKey> {
  const text = argument.trim()
  const looksLikeKey =
    text.startsWith(`${PUBLIC_KEY_PREFIX} `) ||
    text.startsWith('ssh-ed25519 ') ||
    /^[0-9a-f]{64}$/i.test(text)
  return parseAnyPublicKey(looksLikeKey ? text : await readSmallText(argument, 'public key'))
}

/** ISO 8601 date or date-time (`2027-01-31`, `2027-01-31T12:00:00Z`). */
export function parseDateOption(text: string, flag: string): Date {
  const valid = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(
    text.trim(),
  )
  const date = new Date(text.trim())
  if (!valid || Number.isNaN(date.getTime()))
    throw new VouchError(
      'usage',
      `${flag} must be a date like 2027-01-31 or 2027-01-31T12:00:00Z, not '${text}'`,
    )
  return date
}

export function parseSequenceOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new VouchError('usage', `--sequence must be a whole number, not '${text}'`)
  return Number(text)
}
