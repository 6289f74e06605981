/**
 * The engine's events, forwarded to the UI's event stream: progress and state changes as
 * `torrent.updated`, removals, hash failures, warnings and errors as notices, a late refusal as
 * `torrent.refused`, bans, and the count of connections per address. Apart from service.ts because
 * it only listens: the commands never call into it.
 */
import { addressKey } from '../defence/address.ts'
import type { Engine } from '../engine/engine.ts'
import type { GateRefusal } from '../engine/events.ts'
import type { TrustStore } from '../provenance/trust-store.ts'
import type { EventBus } from './dispatcher.ts'
import { thresholdOf } from './refusal-answers.ts'
import { banView } from './reputation-handlers.ts'
import { isHashFailureWarning, type StatsHistory } from './stats-history.ts'
import type { TorrentCommands } from './torrent-handlers.ts'
import { pinnedNames, type TorrentViews } from './torrent-views.ts'

export interface EngineEventsContext {
  engine: Engine
  events: EventBus
  views: TorrentViews
  commands: TorrentCommands
  trust: TrustStore
  history: StatsHistory
  /** Open connections by address key, counted here and read by the peers screen. */
  connections: Map<string, number>
}

/** Subscribe to the engine's events; returns the unsubscribers. */
export function forwardEngineEvents(context: EngineEventsContext): (() => void)[] {
  const { engine, events, views, commands } = context
  const engineEvents = engine.events
  return [
    engineEvents.on('progress', (stats) => void views.publishIfChanged(stats)),
    engineEvents.on('added', ({ infoHash }) => views.publishQuietly(infoHash)),
    engineEvents.on('metadata', ({ infoHash }) => views.publishQuietly(infoHash)),
    engineEvents.on('done', ({ infoHash, name }) => {
      views.publishQuietly(infoHash)
      events.publish('torrent.done', { infoHash, name })
    }),
    engineEvents.on('removed', ({ infoHash }) => {
      views.forget(infoHash)
      events.publish('torrent.removed', { infoHash })
    }),
    engineEvents.on('hash-failure', ({ infoHash, piece, bytes }) =>
      events.publish('torrent.hashFailed', { infoHash, piece, bytes }),
    ),
    engineEvents.on('warning', ({ infoHash, message }) => {
      if (isHashFailureWarning(message)) context.history.countHashFailure()
      events.publish('notice', { level: 'warning', infoHash, message })
    }),
    engineEvents.on('error', ({ infoHash, code, message, refusal }) => {
      // A magnet whose metadata did not match its signature is refused after it was added.
      if (code === 'refused') void refusedLate(context, infoHash, message, refusal)
      else events.publish('notice', { level: 'error', infoHash, message })
    }),
    engineEvents.on('ban', (ban) =>
      events.publish('ban.created', {
        ...banView({ ...ban, rangeEnd: null }, (infoHash) => commands.torrentName(infoHash)),
        connectionsClosed: ban.connectionsClosed,
      }),
    ),
    engineEvents.on('peer-connected', ({ address }) => countConnection(context.connections, address, +1)),
    engineEvents.on('peer-disconnected', ({ address }) => countConnection(context.connections, address, -1)),
  ]
}

/** The gate's reason code, sentence and key, as the refusal dialog shows them for an add. */
async function refusedLate(
  context: EngineEventsContext,
  infoHash: string | null,
  message: string,
  refusal: GateRefusal | undefined,
) {
  const fingerprint = refusal?.fingerprint ?? null
  const publicKey = refusal?.publicKey ?? null
  const names = context.commands.names
  const source = (infoHash ? names.get(infoHash) : undefined) ?? infoHash ?? 'torrent'
  if (infoHash) {
    // The gate destroyed the torrent: drop it from the list (a restart must not add it again) and
    // from the UI, where its row would otherwise stay with the badge of the accepted envelope.
    context.views.provenance.delete(infoHash)
    names.delete(infoHash)
    await context.engine.remove(infoHash).catch(() => undefined)
    context.events.publish('torrent.removed', { infoHash })
  }
  const name = fingerprint ? ((await pinnedNames(context.trust)).get(fingerprint) ?? null) : null
  context.events.publish('torrent.refused', {
    code: refusal?.code ?? 'refused',
    reason: message,
    source,
    infoHash,
    publisher: fingerprint && publicKey ? { fingerprint, publicKey, name } : null,
    ...thresholdOf(refusal?.threshold),
  })
}

function countConnection(connections: Map<string, number>, address: string, change: number): void {
  if (!address) return
  const key = addressKey(address)
  const count = (connections.get(key) ?? 0) + change
  if (count > 0) connections.set(key, count)
  else connections.delete(key)
}
