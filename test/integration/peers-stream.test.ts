import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ReputationStore } from '../../src/reputation/store.ts'
import { runVouch } from '../kit/cli.ts'
import { tempDir } from '../kit/swarm.ts'

const PEERS = 3000

/** A store of `count` peers whose last_seen is their index, written straight into SQLite. */
export async function storeWithPeers(count: number): Promise<string> {
  const home = await tempDir('vouch-peers-home-')
  const store = ReputationStore.open(path.join(home, 'vouch.db'))
  const insert = store.database.prepare(
    'INSERT INTO peers (address, first_seen, last_seen, bytes_down, pieces_good, score, score_at) VALUES (?, ?, ?, ?, ?, 0, ?)',
  )
  store.database.exec('BEGIN')
  for (let index = 0; index < count; index++)
    insert.run(`10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`, index, index, index * 10, 1, index)
  store.database.exec('COMMIT')
  store.close()
  return home
}

describe('vouch peers streams its rows', () => {
  it('prints every peer, most recently seen first, as text and as one JSON document', async () => {
    const home = await storeWithPeers(PEERS)
    const json = await runVouch(['--json', '--home', home, 'peers'])
    expect(json.code, json.stderr).toBe(0)
    const { ok, peers } = JSON.parse(json.stdout) as { ok: boolean; peers: { lastSeen: number }[] }
    expect(ok).toBe(true)
    expect(peers).toHaveLength(PEERS)
    expect(peers.map((peer) => peer.lastSeen)).toEqual(Array.from({ length: PEERS }, (_, i) => PEERS - 1 - i))
    const text = await runVouch(['--home', home, 'peers', '--limit', '1001'])
    expect(text.code, text.stderr).toBe(0)
    const lines = text.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1001)
    expect(lines[0]).toMatch(/^10\.0\.11\.183 /)
    const empty = await runVouch(['--json', '--home', await tempDir('vouch-empty-home-'), 'peers'])
    expect(JSON.parse(empty.stdout)).toEqual({ ok: true, peers: [] })
  })
})
