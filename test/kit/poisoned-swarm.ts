/**
 * A signed release in a swarm of two honest seeders and one poisoner (every block false), for the
 * operator tests that watch a real `vouch serve` detect and ban it.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { ApiClient } from '../../src/api/websocket-client.ts'
import { newPublisher, signedPayload, type Publisher } from '../e2e/publisher.ts'
import { adversary, behaviours } from './adversaries.ts'
import type { Payload, Seeder, Swarm } from './swarm.ts'

export const POISONED_PIECE_LENGTH = 32 * 1024

export interface PoisonedSwarm {
  publisher: Publisher
  payload: Payload & { signedTorrentPath: string; signedMagnet: string }
  honest: Seeder[]
  poisoner: Seeder
  /** Every seeder's HOST:PORT. */
  peers: string[]
}

export async function poisonedSwarm(swarm: Swarm): Promise<PoisonedSwarm> {
  const publisher = newPublisher()
  const payload = await signedPayload(swarm, publisher, {
    bytes: 1024 * 1024,
    pieceLength: POISONED_PIECE_LENGTH,
  })
  const honest = [await swarm.seeder(payload), await swarm.seeder(payload)]
  const poisoner = await adversary(swarm, payload, behaviours.corruptsEveryBlock())
  return {
    publisher,
    payload,
    honest,
    poisoner,
    peers: [...honest, poisoner].map((seeder) => seeder.address),
  }
}

/** Pin the publisher and add the signed .torrent through a serve's API, dialling the swarm. */
export async function addPoisonedRelease(api: ApiClient, poisoned: PoisonedSwarm): Promise<void> {
  await api.call('trust.pin', { publicKey: poisoned.publisher.publicKey, name: 'Example Releases' })
  const added = await api.call('torrents.addFile', {
    fileName: path.basename(poisoned.payload.signedTorrentPath),
    contentBase64: (await readFile(poisoned.payload.signedTorrentPath)).toString('base64'),
    peers: poisoned.peers,
  })
  if (added.status !== 'added') throw new Error(`the signed release was refused: ${added.refusal.reason}`)
}
