/**
 * The gate decides every add under trust.json as it is at that moment, though it no longer reads
 * the file for every add (trust-store.ts keeps the version last read): a key revoked by `vouch
 * trust revoke` in another process between two adds refuses the second.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isVouchError } from '../../src/errors.ts'
import { generateKey } from '../../src/provenance/keys.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { TrustStore } from '../../src/provenance/trust-store.ts'
import { runVouch } from '../kit/cli.ts'
import { Swarm } from '../kit/swarm.ts'

async function refusalOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (isVouchError(error) && error.code === 'refused') return String(error.details.code)
    throw error
  }
  throw new Error('expected the add to be refused')
}

describe('a revocation between two adds', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('refuses the second add of the same publisher, made after another process revoked the key', async () => {
    swarm = new Swarm()
    const publisher = generateKey()
    const home = await swarm.tempDir('vouch-home-')
    await TrustStore.forHome(home).pin(publisher, { name: 'Publisher' })
    const [first, second] = await Promise.all([
      swarm.payload({ bytes: 4096, name: 'one.bin' }),
      swarm.payload({ bytes: 4096, name: 'two.bin' }),
    ])
    const out = await swarm.tempDir('vouch-out-')
    const signed = async (payload: typeof first) => {
      const torrent = signTorrent(payload!.torrentFile, publisher)
      const file = path.join(out, `${payload!.name}.signed.torrent`)
      await writeFile(file, torrent.bytes)
      return { file, infoHash: torrent.infoHash }
    }
    const [one, two] = [await signed(first), await signed(second)]
    const engine = await swarm.gatedEngine({ home })
    expect((await engine.add(one.file, { downloadDir: out })).infoHash).toBe(one.infoHash)

    const revoked = await runVouch(['--home', home, 'trust', 'revoke', publisher.fingerprint])
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(await refusalOf(engine.add(two.file, { downloadDir: out }))).toBe('revoked')
    expect(engine.client.torrents.map((torrent) => torrent.infoHash)).toEqual([one.infoHash])
  })
})
