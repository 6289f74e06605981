/**
 * Issue 11, "Sequences trap publishers": the rollback counter is per key and torrent name, and
 * `vouch verify` predicts exactly what the engine's gate (`vouch get`) will do, sequence included.
 * Each step asks both and expects the same answer; on the per-key counter, the unnumbered second
 * product was refused by the gate.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { verifySource } from '../../src/cli/commands/verify.ts'
import { isVouchError } from '../../src/errors.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { TrustStore } from '../../src/provenance/trust-store.ts'
import { KEY_A } from '../fixtures/provenance/build.ts'
import { Swarm } from '../kit/swarm.ts'

describe('rollback counters per key and name, and verify predicting the gate', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('a numbered release of one product does not hold back the publisher’s other products; verify and the gate agree at every step', async () => {
    swarm = new Swarm()
    const engine = await swarm.gatedEngine()
    const home = engine.paths.home
    const trust = TrustStore.forHome(home)
    await trust.pin(KEY_A, { name: 'Alice' })
    const work = await swarm.tempDir('vouch-releases-')
    const release = async (name: string, sequence: number | undefined) => {
      const payload = await swarm.payload({ bytes: 20_000, name })
      const file = path.join(work, `${name}-${sequence ?? 'none'}.torrent`)
      await writeFile(file, signTorrent(payload.torrentFile, KEY_A, { sequence }).bytes)
      return file
    }
    /** What verify says, and what adding it to the engine does: 'accepted' or the refusal reason. */
    const both = async (file: string) => {
      const verdict = (await verifySource(file, trust, home)).decision
      const predicted = verdict.accepted ? 'accepted' : verdict.reason
      let actual: string
      try {
        await engine.add(file, { remember: false })
        actual = 'accepted'
      } catch (error) {
        if (!isVouchError(error)) throw error
        actual = String(error.details.reason)
      }
      return { predicted, actual }
    }

    const agree = (outcome: string) => ({ predicted: outcome, actual: outcome })
    expect(await both(await release('product-a.iso', 5)), 'product A, release 5').toEqual(agree('accepted'))
    expect(await both(await release('product-b.iso', undefined)), 'product B, unnumbered').toEqual(
      agree('accepted'),
    )
    expect(await both(await release('product-c.iso', 1)), 'product C, release 1').toEqual(agree('accepted'))
    expect(await both(await release('product-a.iso', 4)), 'product A, older release 4').toEqual(
      agree('rolled-back'),
    )
    expect(await both(await release('product-a.iso', undefined)), 'product A, unnumbered').toEqual(
      agree('rolled-back'),
    )
    expect(await both(await release('product-a.iso', 6)), 'product A, release 6').toEqual(agree('accepted'))
  })
})
