/**
 * A lived-in Vouch for layout checks and screenshots, made of real things: a pinned publisher, a
 * signed download completed from a loopback swarm in which one seeder poisons blocks (so there
 * are peers, a ban with evidence and a hash failure), a second signed torrent with a long name
 * still downloading, a magnet the gate holds for want of a signature, and a 2-of-3 publisher group.
 */
import { readFile } from 'node:fs/promises'
import { adversary, behaviours } from '../kit/adversaries.ts'
import type { UiHarness } from './harness.ts'
import { newPublisher, signedPayload, type Publisher } from './publisher.ts'

export const LONG_NAME = 'Debian GNU-Linux 13.2 netinstall amd64 with an unusually long descriptive name.iso'
export const HELD_NAME = 'unsigned-magnet-from-a-forum'

export interface Scene {
  publisher: Publisher
  doneName: string
  poisonerHost: string
}

const base64 = async (file: string) => (await readFile(file)).toString('base64')

export async function buildScene(ui: UiHarness): Promise<Scene> {
  const { swarm } = ui
  const publisher = newPublisher()
  await ui.call('trust.pin', { publicKey: publisher.publicKey, name: 'Example Releases' })
  await ui.call('trust.addGroup', {
    name: 'Distro release team',
    threshold: 2,
    keys: [newPublisher(), newPublisher(), newPublisher()].map((member) => member.publicKey),
  })

  const contested = await signedPayload(swarm, publisher, {
    bytes: 1024 * 1024,
    pieceLength: 32 * 1024,
    name: 'contested-release.tar.gz',
  })
  const honest = await swarm.seeder(contested)
  const poisoner = await adversary(swarm, contested, behaviours.corruptsEveryBlock())
  const added = await ui.call('torrents.addFile', {
    fileName: 'contested-release.torrent',
    contentBase64: await base64(contested.signedTorrentPath),
    peers: [honest.address, poisoner.address],
  })
  if (added.status !== 'added') throw new Error(`the scene's torrent was refused: ${added.refusal.reason}`)

  // Signed, but nobody has it: it stays at 0 % with no speed, its long name wrapping.
  const lonely = await signedPayload(swarm, publisher, { bytes: 256 * 1024, name: LONG_NAME })
  await ui.call('torrents.addFile', {
    fileName: 'long.torrent',
    contentBase64: await base64(lonely.signedTorrentPath),
  })
  await ui.call('torrents.add', { source: `magnet:?xt=urn:btih:${'cd'.repeat(20)}&dn=${HELD_NAME}` })

  // Outside a test (beforeAll, the screenshot script) expect.poll is not available: poll by hand.
  await until(
    async () => (await ui.call('torrents.list', {})).some((torrent) => torrent.done),
    60_000,
    'the download',
  )
  await until(async () => (await ui.call('bans.list', {})).length > 0, 30_000, 'the ban on the poisoner')
  return { publisher, doneName: 'contested-release.tar.gz', poisonerHost: poisoner.host }
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`the scene waited ${ms / 1000} s for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
