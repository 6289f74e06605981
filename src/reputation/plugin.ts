/**
 * The reputation store attached to an engine (it has the EnginePlugin shape; src/reputation does
 * not import the engine):
 *  - persisted bans hold from the first connection: `client.blocked` consults the store before
 *    WebTorrent dials anyone, and a wire from a banned address is closed when it appears;
 *  - bans added while running (an import, the defence, the user) close open wires at once;
 *  - each peer's peer IDs, client names and bytes uploaded to it are recorded.
 * Downloaded bytes and piece outcomes come from the defence, which knows which blocks were good:
 * wire its `onCredit` / `onBan` callbacks to `creditFromDefence` / `banFromDefence`.
 *
 * The plugin does not close the store; whoever opened it does.
 */
import type Wire from 'bittorrent-protocol'
import type WebTorrent from 'webtorrent'
import type { IpSet, Torrent } from 'webtorrent'
import { isWireEvidence } from '../defence/ban-store.ts'
import type { BanEvent, CreditEvent } from '../defence/events.ts'
import { describeCover } from './lift-covering.ts'
import type { ReputationStore } from './store.ts'

export interface ReputationPlugin {
  readonly name: 'reputation'
  attachTorrent(torrent: Torrent): void
  attachWire(wire: Wire, torrent: Torrent): void
  explainBlocked(host: string): string | null
  close(): void
  /** Close every open wire whose address is banned now; returns how many were closed. */
  enforce(): number
  /** Defence `onCredit`: a verified piece the address contributed to. */
  creditFromDefence(event: CreditEvent): void
  /** Defence `onBan`: the banned address spoiled a piece (when the ban came with evidence). */
  banFromDefence(event: BanEvent): void
}

function hostOf(wire: Wire): string | undefined {
  return wire.remoteAddress ?? undefined
}

export function reputationPlugin(store: ReputationStore): ReputationPlugin {
  const torrents = new Set<Torrent>()
  const clients = new WeakSet<WebTorrent>()

  const isBanned = (address: string) => !store.closed && store.banFor(address) !== undefined

  const enforce = (): number => {
    let closed = 0
    for (const torrent of torrents) {
      for (const wire of [...torrent.wires]) {
        const host = hostOf(wire)
        if (host && !wire.destroyed && isBanned(host)) {
          wire.destroy()
          closed++
        }
      }
    }
    return closed
  }

  const offBans = store.onBansAdded(() => {
    enforce()
  })

  return {
    name: 'reputation',

    attachTorrent(torrent) {
      torrents.add(torrent)
      torrent.once('close', () => torrents.delete(torrent))
      const client = (torrent as unknown as { client?: WebTorrent }).client
      if (!client || clients.has(client)) return
      clients.add(client)
      // Compose with whatever is there (a user blocklist, the defence's view): either one blocks.
      // The defence's view keeps what is assigned as its inner set and consults it, so asking the
      // previous value could come back here: the guard stops that loop.
      const previous: IpSet | undefined = client.blocked
      let asking = false
      const askPrevious = <T>(question: (set: IpSet) => T, otherwise: T): T => {
        if (asking || !previous) return otherwise
        asking = true
        try {
          return question(previous)
        } finally {
          asking = false
        }
      }
      client.blocked = {
        contains: (address: string) =>
          isBanned(address) || askPrevious((set) => set.contains(address), false),
        add: (start: string, end?: string) => askPrevious((set) => set.add(start, end), undefined),
      }
    },

    explainBlocked(host) {
      const ban = store.closed ? undefined : store.banFor(host)
      return ban ? `it is banned by ${describeCover(ban)}; lift it with \`vouch bans lift ${host}\`` : null
    },

    attachWire(wire, _torrent) {
      const host = hostOf(wire)
      if (!host) return
      if (isBanned(host)) {
        wire.destroy()
        return
      }
      const seen = () => {
        if (store.closed) return
        const peerId = wire.peerId ?? undefined
        const client = (wire as unknown as { peerExtendedHandshake?: { v?: unknown } }).peerExtendedHandshake
          ?.v
        store.recordContribution(host, {
          ...(peerId ? { peerId } : {}),
          ...(client instanceof Uint8Array || typeof client === 'string'
            ? { client: Buffer.from(client).toString('utf8') }
            : {}),
        })
      }
      if (wire.peerId) seen()
      else wire.once('handshake', seen)
      wire.once('extended', seen)
      wire.on('upload', (bytes: number) => {
        if (!store.closed) store.recordUpload(host, bytes)
      })
    },

    close() {
      offBans()
      torrents.clear()
    },

    enforce,

    creditFromDefence(event) {
      if (!store.closed) store.recordContribution(event.address, { bytesGood: event.bytes, piecesGood: 1 })
    },

    banFromDefence(event) {
      // Only block evidence means a spoiled piece; a protocol violation spoils none.
      if (store.closed || !event.evidence || isWireEvidence(event.evidence)) return
      const evidence = event.evidence
      const torrent = [...torrents].find((t) => t.infoHash === evidence.infoHash)
      store.recordContribution(event.address, {
        piecesBad: 1,
        bytesBad: torrent ? provenFalseBytes(torrent, event.reason, evidence.piece, evidence.offset) : 0,
      })
    },
  }
}

/** WebTorrent's (and BitTorrent's) request size. */
const BLOCK_LENGTH = 16 * 1024

/**
 * The bytes a ban's evidence proves false: the whole piece when the address alone sent it (it
 * failed its hash), else the one block whose digest differed from the verified piece's.
 */
export function provenFalseBytes(torrent: Torrent, reason: string, piece: number, offset: number): number {
  const last = torrent.pieces.length - 1
  const pieceLength = piece === last ? torrent.lastPieceLength : torrent.pieceLength
  if (!Number.isFinite(pieceLength) || pieceLength <= 0) return 0
  return reason === 'sole-contributor'
    ? pieceLength
    : Math.max(0, Math.min(BLOCK_LENGTH, pieceLength - offset))
}
