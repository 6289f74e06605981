/**
 * Threshold groups and key rotation through the API dispatcher, over a real backend: trust.addGroup
 * refuses bad groups naming what is wrong; a torrent from a 2-of-3 group needs two keys and its
 * refusal carries the counts; trust.rotate moves a pin only with a statement the old key (or a
 * threshold of its group) signed, and trust.list then shows the old key as rotated.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { formatPublicKey, generateKey, type SecretKey } from '../../src/provenance/keys.ts'
import { encodeRotation, signRotation } from '../../src/provenance/rotation.ts'
import { signTorrent } from '../../src/provenance/sign.ts'
import { openApi, type OpenedApi } from '../kit/api.ts'
import { Swarm } from '../kit/swarm.ts'

const publicKey = (key: SecretKey) => formatPublicKey(key.publicKey)
const statementOf = (from: SecretKey, to: SecretKey, signers: SecretKey[]) =>
  Buffer.from(
    encodeRotation(
      signRotation(
        { oldKey: from.publicKey, newKey: to.publicKey, created: Math.floor(Date.now() / 1000) - 60 },
        signers,
      ),
    ),
  ).toString('base64')

async function failure(api: OpenedApi, ...call: Parameters<OpenedApi['call']>): Promise<string> {
  return api.call(...call).then(
    () => 'no error',
    (error: Error) => error.message,
  )
}

describe('trust groups and rotation through the API', () => {
  let swarm: Swarm
  afterEach(async () => swarm.close())

  it('refuses a bad group with an error that names what is wrong, and pins nothing', async () => {
    swarm = new Swarm()
    const api = await openApi(swarm)
    const [a, b, c] = [generateKey(), generateKey(), generateKey()]
    const keys = [publicKey(a), publicKey(b), publicKey(c)]
    const add = (threshold: number, groupKeys: string[]) =>
      failure(api, 'trust.addGroup', { name: 'Distro', threshold, keys: groupKeys })
    expect(await add(0, keys)).toMatch(/usage: the threshold must be a whole number from 1 to 3 .*not 0/)
    expect(await add(4, keys)).toMatch(/threshold must be a whole number from 1 to 3 .*not 4/)
    expect(await add(2, [keys[0]!, keys[1]!, keys[0]!])).toMatch(
      new RegExp(`${a.fingerprint} is listed twice`),
    )
    expect(await add(2, [keys[0]!, 'vouch-ed25519 not-a-key', keys[2]!])).toMatch(
      /bad-input: key 2 of 3: .*base64url/,
    )
    expect(await add(2, [keys[0]!, '1234-5678-9abc-def0'])).toMatch(
      /key 2 of 2: no pinned key has fingerprint 1234-5678-9abc-def0/,
    )
    expect(await api.call('trust.list', {})).toEqual({ publishers: [], groups: [] })
  })

  it('a torrent from a 2-of-3 group needs two of its keys; one is refused below-threshold with the counts', async () => {
    swarm = new Swarm()
    const api = await openApi(swarm)
    const [a, b, c] = [generateKey(), generateKey(), generateKey()]
    await api.call('trust.pin', { publicKey: publicKey(a), name: 'Alice' })
    // A pinned key may be named by its fingerprint; the others come as hex and as key text.
    const group = await api.call('trust.addGroup', {
      name: 'Distro',
      threshold: 2,
      keys: [a.fingerprint, Buffer.from(b.publicKey).toString('hex'), publicKey(c)],
    })
    expect(group).toMatchObject({
      name: 'Distro',
      threshold: 2,
      members: [a, b, c].map((k) => k.fingerprint),
    })
    const listed = await api.call('trust.list', {})
    expect(listed.groups).toEqual([group])
    expect(listed.publishers.map((entry) => [entry.name, entry.status])).toEqual([
      ['Alice', 'pinned'],
      ['Distro', 'pinned'],
      ['Distro', 'pinned'],
    ])

    const payload = await swarm.payload({ bytes: 64 * 1024, name: 'distro.iso' })
    const byOne = signTorrent(payload.torrentFile, a)
    const add = (bytes: Uint8Array) =>
      api.call('torrents.addFile', {
        fileName: 'distro.torrent',
        contentBase64: Buffer.from(bytes).toString('base64'),
      })
    const refused = await add(byOne.bytes)
    expect(refused).toMatchObject({
      status: 'refused',
      refusal: {
        code: 'below-threshold',
        threshold: { group: 'Distro', signed: 1, required: 2, keys: 3 },
      },
    })
    // Even with allowUnsigned: a group short of signers is never downloaded anyway.
    expect(
      await api.call('torrents.addFile', {
        fileName: 'distro.torrent',
        contentBase64: Buffer.from(byOne.bytes).toString('base64'),
        allowUnsigned: true,
      }),
    ).toMatchObject({ status: 'refused', refusal: { code: 'below-threshold' } })
    expect(await add(signTorrent(byOne.bytes, c).bytes)).toMatchObject({
      status: 'added',
      name: 'distro.iso',
    })
  })

  it('applies a rotation signed by the old key, shows the old key as rotated, and refuses bad statements', async () => {
    swarm = new Swarm()
    const api = await openApi(swarm)
    const [old, next, stranger, revoked] = [generateKey(), generateKey(), generateKey(), generateKey()]
    await api.call('trust.pin', { publicKey: publicKey(old), name: 'Releases' })

    expect(
      await failure(api, 'trust.rotate', { statementBase64: statementOf(old, next, [stranger]) }),
      'signed by an unpinned key',
    ).toMatch(/refused: rotation .* refused: it is not signed by the old key/)
    expect(
      await failure(api, 'trust.rotate', { statementBase64: statementOf(stranger, next, [stranger]) }),
    ).toMatch(/the old key is not pinned/)
    await api.call('trust.pin', { publicKey: publicKey(revoked), name: 'Gone' })
    await api.call('trust.revoke', { fingerprint: revoked.fingerprint })
    expect(
      await failure(api, 'trust.rotate', { statementBase64: statementOf(revoked, next, [revoked]) }),
    ).toMatch(/the old key is revoked/)
    expect(await failure(api, 'trust.describeRotation', { statementBase64: 'bm90IGJlbmNvZGU=' })).toMatch(
      /bad-input: not a rotation statement/,
    )

    const statement = statementOf(old, next, [old])
    expect(await api.call('trust.describeRotation', { statementBase64: statement })).toMatchObject({
      oldFingerprint: old.fingerprint,
      newFingerprint: next.fingerprint,
      name: 'Releases',
      signers: [old.fingerprint],
    })
    expect((await api.call('trust.list', {})).publishers[0], 'describing changes nothing').toMatchObject({
      status: 'pinned',
      rotatedTo: null,
    })
    expect(await api.call('trust.rotate', { statementBase64: statement })).toMatchObject({
      fingerprint: next.fingerprint,
      name: 'Releases',
      status: 'pinned',
    })
    const { publishers } = await api.call('trust.list', {})
    expect(publishers.find((entry) => entry.fingerprint === old.fingerprint)).toMatchObject({
      status: 'rotated',
      rotatedTo: next.fingerprint,
    })
    expect(await failure(api, 'trust.rotate', { statementBase64: statement }), 'applied twice').toMatch(
      /already rotated/,
    )
  })

  it('rotates a key of a group only with a threshold of the group, if not signed by the old key', async () => {
    swarm = new Swarm()
    const api = await openApi(swarm)
    const [a, b, c, next] = [generateKey(), generateKey(), generateKey(), generateKey()]
    await api.call('trust.addGroup', { name: 'Distro', threshold: 2, keys: [a, b, c].map(publicKey) })
    expect(
      await failure(api, 'trust.rotate', { statementBase64: statementOf(a, next, [b]) }),
      'one key of a 2-of-3 group',
    ).toMatch(/signed neither by the old key nor by a threshold of its group/)
    await api.call('trust.rotate', { statementBase64: statementOf(a, next, [b, c]) })
    const { groups } = await api.call('trust.list', {})
    expect(groups[0]?.members).toEqual([next.fingerprint, b.fingerprint, c.fingerprint])
  })
})
