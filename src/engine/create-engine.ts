/**
 * The engine as the CLI, the server and the desktop app run it: provenance installed and on
 * (unsigned torrents refused unless added with `allowUnsigned`). `Engine.open` alone stays a plain
 * engine without the gate, for tests of other layers.
 */
import type { AuditSink } from '../audit.ts'
import { ProvenancePlugin } from '../provenance/plugin.ts'
import type { ProvenanceOptions } from '../provenance/plugin-seam.ts'
import { TrustStore } from '../provenance/trust-store.ts'
import { Engine, type EngineOptions } from './engine.ts'
import { dataPaths } from './paths.ts'

export interface VouchEngineOptions extends EngineOptions {
  /** Default: HOME/trust.json. */
  trust?: TrustStore
  /** Where provenance records acceptances, refusals and overrides (and the defence its bans). */
  audit?: AuditSink
  provenance?: Omit<ProvenanceOptions, 'onRefused'>
}

const installed = new WeakMap<Engine, ProvenancePlugin>()

export async function createEngine(options: VouchEngineOptions): Promise<Engine> {
  const { trust, provenance: provenanceOptions, ...engineOptions } = options
  // The plugin exists before the engine it reports to; the callback looks the engine up late.
  const opened: { engine?: Engine } = {}
  const provenance = new ProvenancePlugin(trust ?? TrustStore.forHome(options.home), options.audit, {
    // Beside the engine's stored copies, so a restart re-verifies what admitted each torrent.
    keepEnvelopesIn: dataPaths(options.home).torrentFiles,
    ...provenanceOptions,
    // A torrent already handed to WebTorrent was refused: fatal for that torrent, code 'refused'.
    onRefused: (refusal) =>
      opened.engine?.events.emit('error', {
        infoHash: refusal.infoHash,
        code: 'refused',
        message: refusal.message,
        refusal: {
          code: refusal.reason,
          reason: refusal.detail,
          fingerprint: refusal.fingerprint,
          publicKey: refusal.publicKey,
          ...(refusal.threshold ? { threshold: refusal.threshold } : {}),
        },
      }),
  })
  const engine = await Engine.open({
    ...engineOptions,
    plugins: [provenance, ...(engineOptions.plugins ?? [])],
  })
  opened.engine = engine
  installed.set(engine, provenance)
  return engine
}

/** The provenance gate of an engine made by createEngine (to offer envelopes for held magnets). */
export function provenanceOf(engine: Engine): ProvenancePlugin | undefined {
  return installed.get(engine)
}
