/**
 * The RPC's basic-auth credentials: a file holding `user:password` on its first line, mode 0600.
 * A missing file is made with user `vouch` and a random password (the operator copies it into
 * the remote's settings); a file others can read is refused, as ssh refuses such a key.
 */
import { randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { VouchError } from '../../errors.ts'

export interface RpcCredentials {
  user: string
  password: string
  file: string
  /** True when this run generated the file. */
  generated: boolean
}

function parse(file: string, text: string): { user: string; password: string } {
  const line = text.split(/\r?\n/, 1)[0] ?? ''
  const colon = line.indexOf(':')
  const user = colon === -1 ? '' : line.slice(0, colon)
  const password = colon === -1 ? '' : line.slice(colon + 1)
  if (user === '' || password === '') {
    throw new VouchError('bad-input', `${file}: expected user:password on the first line`)
  }
  return { user, password }
}

export async function loadRpcCredentials(file: string): Promise<RpcCredentials> {
  let mode: number
  try {
    mode = (await stat(file)).mode
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new VouchError('bad-input', `cannot read ${file}: ${(error as Error).message}`)
    }
    const password = randomBytes(18).toString('base64url')
    try {
      await writeFile(file, `vouch:${password}\n`, { mode: 0o600, flag: 'wx' })
    } catch (writeError) {
      throw new VouchError('bad-input', `cannot create ${file}: ${(writeError as Error).message}`)
    }
    return { user: 'vouch', password, file, generated: true }
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new VouchError(
      'bad-input',
      `${file} is readable by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${file}`,
    )
  }
  return { ...parse(file, await readFile(file, 'utf8')), file, generated: false }
}
