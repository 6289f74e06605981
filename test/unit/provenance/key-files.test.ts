/** Secret key files on disk: mode 0600 whatever the umask, never overwritten, never through a link. */
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readSecretKeyFile, writeKeyFiles } from '../../../src/provenance/files.ts'
import { KEY_A, KEY_B } from '../../fixtures/provenance/build.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vouch-keys-'))
})
afterEach(async () => rm(dir, { recursive: true, force: true }))

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}

describe('writing key files', () => {
  it('writes the secret key with mode 0600 even under umask 000, and the public key next to it', async () => {
    const key = path.join(dir, 'release.key')
    const previous = process.umask(0)
    try {
      expect(await writeKeyFiles(key, KEY_A)).toBe(`${key}.pub`)
    } finally {
      process.umask(previous)
    }
    expect((await stat(key)).mode & 0o777).toBe(0o600)
    expect((await readSecretKeyFile(key)).fingerprint).toBe(KEY_A.fingerprint)
    expect(await readFile(`${key}.pub`, 'utf8')).toContain(KEY_A.fingerprint)
  })

  it('refuses to overwrite an existing key, which stays as it was', async () => {
    const key = path.join(dir, 'release.key')
    await writeKeyFiles(key, KEY_A)
    await expect(writeKeyFiles(key, KEY_B)).rejects.toMatchObject({ code: 'bad-input' })
    expect((await readSecretKeyFile(key)).fingerprint).toBe(KEY_A.fingerprint)
    expect(await readFile(`${key}.pub`, 'utf8')).toContain(KEY_A.fingerprint)
  })

  it('does not write through a link planted at KEY.pub, and leaves no half-made key behind', async () => {
    const key = path.join(dir, 'release.key')
    const victim = path.join(dir, 'victim.txt')
    await writeFile(victim, 'precious\n')
    await symlink(victim, `${key}.pub`)
    await expect(writeKeyFiles(key, KEY_A)).rejects.toMatchObject({ code: 'bad-input' })
    expect(await readFile(victim, 'utf8')).toBe('precious\n')
    expect(await exists(key), 'secret key file left behind').toBe(false)
  })

  it('refuses when KEY.pub exists, without creating KEY', async () => {
    const key = path.join(dir, 'release.key')
    await writeFile(`${key}.pub`, 'someone else\n')
    await expect(writeKeyFiles(key, KEY_A)).rejects.toMatchObject({ code: 'bad-input' })
    expect(await readFile(`${key}.pub`, 'utf8')).toBe('someone else\n')
    expect(await exists(key)).toBe(false)
  })
})
