/** Creating the engine's WebTorrent client: its options, the wire guard, and waiting for it to listen. */
import type { DhtOptions } from 'bittorrent-dht'
import WebTorrent, { type ClientOptions } from 'webtorrent'
import { VouchError } from '../errors.ts'
import { verifyBytes } from '../provenance/keys.ts'
import type { EngineOptions } from './engine-options.ts'
import { installMetadataOnce } from './metadata-once.ts'
import { installPieceFiles } from './piece-files.ts'
import { installMseKeyPairs } from './mse-keys.ts'
import { guardClient, type WireGuardHooks } from './wire-guard.ts'

/** The client's DHT options, also used to start its DHT later (dht-switch.ts). */
export function dhtOptionsOf(options: EngineOptions): DhtOptions {
  return {
    verify: verifyBytes,
    ...(options.dhtBootstrap?.length ? { bootstrap: [...options.dhtBootstrap] } : {}),
  }
}

export function clientOptionsOf(options: EngineOptions): ClientOptions {
  return {
    torrentPort: options.torrentPort ?? 0,
    // A synchronous verify, or bittorrent-dht neither stores nor returns BEP 44 mutable items.
    dht: options.dht === false ? false : { ...dhtOptionsOf(options) },
    lsd: options.lsd ?? true,
    natUpnp: options.natUpnp ?? true,
    natPmp: options.natPmp ?? true,
    // Off by default: see docs/decisions.md ("uTP").
    utp: options.utp ?? false,
    utPex: options.utPex ?? true,
    tracker: options.tracker ?? true,
  }
}

/** A listening client, guarded before it can connect to anyone. */
export async function openClient(options: EngineOptions, reports: WireGuardHooks): Promise<WebTorrent> {
  // Without it every connection's encrypted handshake blocks the event loop 10–20 ms (mse-keys.ts).
  installMseKeyPairs()
  // Without it every connection re-derives the info dictionary from the whole .torrent (metadata-once.ts).
  installMetadataOnce()
  // Without it every piece verified or found missing walks every file (piece-files.ts).
  installPieceFiles()
  const client = new WebTorrent(clientOptionsOf(options))
  if (options.wireGuard !== false) guardClient(client, reports, options.wireGuard)
  await waitForListening(client)
  return client
}

function waitForListening(client: WebTorrent): Promise<void> {
  if (client.listening) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new VouchError('network', 'the listening socket did not open within 10 s')),
      10_000,
    )
    client.once('listening', () => {
      clearTimeout(timer)
      resolve()
    })
    client.once('error', (error: Error) => {
      clearTimeout(timer)
      reject(new VouchError('network', `cannot listen for peers: ${error.message}`))
    })
  })
}
