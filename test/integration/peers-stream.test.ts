import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { describePeer } from '../../src/cli/commands/peers.ts'
import { EXIT } from '../../src/cli/exit-codes.ts'
import { ReputationStore } from '../../src/reputation/store.ts'
import { runVouch, VouchProcess } from '../kit/cli.ts'
import { tempDir, withTimeout } from '../kit/swarm.ts'

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

/** Every column of a peer row, in the table's order. */
type PeerRow = [
  address: string,
  peerIds: string[],
  clients: string[],
  firstSeen: number,
  lastSeen: number,
  bytesUp: number,
  bytesDown: number,
  bytesBad: number,
  piecesGood: number,
  piecesBad: number,
  strikes: number,
  score: number,
]

/** Scored far in the future, so reading decays no score: the output depends on the rows alone. */
const NOT_YET = 9e15

/** A store holding exactly `rows`. */
async function storeWithRows(rows: Iterable<PeerRow>): Promise<string> {
  const home = await tempDir('vouch-peers-rows-')
  const store = ReputationStore.open(path.join(home, 'vouch.db'))
  const insert = store.database.prepare(
    `INSERT INTO peers (address, peer_ids, clients, first_seen, last_seen, bytes_up, bytes_down, bytes_bad,
                       pieces_good, pieces_bad, strikes, score, score_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  store.database.exec('BEGIN')
  for (const [address, peerIds, clients, ...counters] of rows)
    insert.run(address, JSON.stringify(peerIds), JSON.stringify(clients), ...counters, NOT_YET)
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

  it('prints exactly these bytes for these peers (non-ASCII client names, every unit, wide scores)', async () => {
    const home = await storeWithRows([
      ['10.0.0.1', ['2d5757'], ['µTorrent 3.5', '比特彗星 1.2'], 1, 1.7e12, 1023, 1024, 0, 5, 1, 2, 12.25],
      [
        '2001:db8::1',
        ['2d4c54', '2d7142'],
        ['🦀 rs 1.0'],
        2,
        1.6e12,
        5 * 1024 ** 4 + 1,
        3 * 1024 ** 3,
        1024 ** 2,
        0,
        7,
        0,
        -3.75,
      ],
      ['192.168.100.200', [], [], 3, 1.5e12, 0, 1536, 0, 1, 0, 0, 123456.78],
    ])
    const text = await runVouch(['--home', home, 'peers'])
    expect(text.code, text.stderr).toBe(0)
    // Written by the listing before it went through a reused buffer (the bytes must not change).
    expect(text.stdout).toBe(
      [
        '10.0.0.1                 score     12.3  pieces 5 good 1 bad  down 1.0 KiB up 1023 B  strikes 2  last seen 2023-11-14T22:13:20.000Z  µTorrent 3.5, 比特彗星 1.2',
        '2001:db8::1              score     -3.8  pieces 0 good 7 bad  down 3.0 GiB up 5.0 TiB  strikes 0  last seen 2020-09-13T12:26:40.000Z  🦀 rs 1.0',
        '192.168.100.200          score 123456.8  pieces 1 good 0 bad  down 1.5 KiB up 0 B  strikes 0  last seen 2017-07-14T02:40:00.000Z',
        '',
      ].join('\n'),
    )
    const json = await runVouch(['--json', '--home', home, 'peers'])
    expect(json.stdout).toBe(
      '{"ok":true,"peers":[' +
        '{"address":"10.0.0.1","peerIds":["2d5757"],"clients":["µTorrent 3.5","比特彗星 1.2"],"firstSeen":1,"lastSeen":1700000000000,"bytesUp":1023,"bytesDown":1024,"bytesBad":0,"piecesGood":5,"piecesBad":1,"strikes":2,"score":12.25},' +
        '{"address":"2001:db8::1","peerIds":["2d4c54","2d7142"],"clients":["🦀 rs 1.0"],"firstSeen":2,"lastSeen":1600000000000,"bytesUp":5497558138881,"bytesDown":3221225472,"bytesBad":1048576,"piecesGood":0,"piecesBad":7,"strikes":0,"score":-3.75},' +
        '{"address":"192.168.100.200","peerIds":[],"clients":[],"firstSeen":3,"lastSeen":1500000000000,"bytesUp":0,"bytesDown":1536,"bytesBad":0,"piecesGood":1,"piecesBad":0,"strikes":0,"score":123456.78}' +
        ']}\n',
    )
  })

  it('streams the same whole output as the records formatted at once, across many chunks', async () => {
    // Client names of every length and width, so chunk boundaries fall next to multi-byte characters.
    const names = ['µ', '比特彗星', '🦀', 'x']
    const rows = Array.from({ length: 5000 }, (_, index): PeerRow => {
      const clients = Array.from({ length: index % 17 }, (_, k) =>
        names[(index + k) % 4]!.repeat(1 + ((index * k) % 40)),
      )
      return [
        `10.1.${index >> 8}.${index & 255}`,
        [index.toString(16)],
        clients,
        index,
        1e12 + index * 997,
        index * 12345,
        index * 54321,
        index,
        index % 9,
        index % 5,
        index % 3,
        (index % 200) - 100.05,
      ]
    })
    const home = await storeWithRows(rows)
    const store = ReputationStore.open(path.join(home, 'vouch.db'))
    const records = store.peers()
    store.close()
    const text = await runVouch(['--home', home, 'peers'])
    expect(text.code, text.stderr).toBe(0)
    expect(Buffer.byteLength(text.stdout)).toBeGreaterThan(1024 * 1024)
    expect(text.stdout).toBe(records.map((peer) => `${describePeer(peer)}\n`).join(''))
    const json = await runVouch(['--json', '--home', home, 'peers'])
    expect(json.code, json.stderr).toBe(0)
    expect(json.stdout).toBe(`${JSON.stringify({ ok: true, peers: records })}\n`)
  })

  it('stops quietly when its reader goes away (vouch peers | head -1)', async () => {
    const listing = new VouchProcess(['--home', await storeWithPeers(PEERS), 'peers'])
    await listing.line(() => true)
    listing.child.stdout?.destroy()
    const exit = await withTimeout(listing.exited, 30_000, 'vouch peers to exit once its reader left')
    expect(exit, listing.stderr).toEqual({ code: 0, signal: null })
    expect(listing.stderr).toBe('')
  })

  it('fails with an error naming the listing when stdout cannot take it (a full disk)', async () => {
    // It used to stop at the first failed write and exit 0, the listing silently cut short.
    const result = await runVouch(['--home', await storeWithPeers(PEERS), 'peers'], {
      stdoutPath: '/dev/full',
    })
    expect(result.code).toBe(EXIT.internal)
    expect(result.stderr).toMatch(/could not write the peer list: ENOSPC/)
  })
})
