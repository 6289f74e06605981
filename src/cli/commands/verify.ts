import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import { resolveSource } from '../../engine/source.ts'
import { dataPaths } from '../../engine/paths.ts'
import { judgeSource } from '../../provenance/admission.ts'
import type { Verdict } from '../../provenance/gate.ts'
import { KeptEnvelopes } from '../../provenance/kept-envelopes.ts'
import { isIntegrityFailure, nameText } from '../../provenance/policy.ts'
import { publicKeyOf, trustAdvice } from '../../provenance/refusals.ts'
import { readProvenanceTorrent, SOURCE_KEYS, TORRENT_ENVELOPES_KEY } from '../../provenance/torrent.ts'
import { TrustStore } from '../../provenance/trust-store.ts'
import { globalOptions, report } from '../context.ts'

/**
 * Judge a .torrent path or a magnet exactly as the engine's gate will when it is added to this
 * HOME (the same carriers, kept envelopes and trust view: admission.ts); no sequence is recorded.
 * For a .torrent, `uncovered` names its top-level fields no accepted signature covers.
 */
export async function verifySource(
  input: string,
  trust: TrustStore,
  home: string,
  now = Date.now(),
): Promise<Verdict & { uncovered: string[] }> {
  const source = await resolveSource(input)
  if (source.kind === 'infohash')
    throw new VouchError(
      'bad-input',
      'a bare infohash carries no envelope: verify a .torrent or a magnet link',
    )
  const verdict = await judgeSource(
    source,
    await trust.view(),
    now,
    new KeptEnvelopes(dataPaths(home).torrentFiles),
  )
  if (source.kind !== 'torrent-file') return { ...verdict, uncovered: [] }
  const signers = verdict.decision.accepted ? verdict.decision.signers : []
  const sourcesBound = signers.length > 0 && signers.every((signer) => signer.envelope.sourcesSha256)
  const covered = new Set<string>(['info', TORRENT_ENVELOPES_KEY, ...(sourcesBound ? SOURCE_KEYS : [])])
  const uncovered = readProvenanceTorrent(source.bytes).topLevelKeys.filter((key) => !covered.has(key))
  return { ...verdict, uncovered }
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'check a .torrent or magnet against your pinned publishers (exit 0 trusted, 3 refused, 4 invalid)',
    )
    .argument('<source>', '.torrent file or magnet link')
    .action(async (input: string, _flags: unknown, command: Command) => {
      const global = globalOptions(command)
      const verdict = await verifySource(input, TrustStore.forHome(global.home), global.home)
      const decision = verdict.decision
      if (!decision.accepted) {
        const publicKey = publicKeyOf(verdict.envelopes, decision.fingerprint)
        const hint = decision.reason === 'unknown-publisher' && publicKey ? `\n${trustAdvice(publicKey)}` : ''
        throw new VouchError(
          isIntegrityFailure(decision.reason) ? 'integrity' : 'refused',
          `${decision.reason}: ${decision.message}${decision.fingerprint ? ` [publisher ${decision.fingerprint}]` : ''}${hint}`,
          {
            reason: decision.reason,
            fingerprint: decision.fingerprint,
            infoHash: verdict.infoHash,
            publicKey,
          },
        )
      }
      const metadataPending = input.trim().toLowerCase().startsWith('magnet:')
      const signers = decision.signers.map((signer) => ({
        fingerprint: signer.fingerprint,
        name: signer.name,
        sequence: signer.sequence ?? null,
      }))
      const first = decision.signers[0]
      report(
        global,
        [
          `trusted: ${verdict.infoHash}${first ? ` '${nameText(first.envelope.name)}'` : ''}`,
          ...signers.map(
            (signer) =>
              `signed by ${signer.name} [publisher ${signer.fingerprint}]${signer.sequence !== null ? ` sequence ${signer.sequence}` : ''}`,
          ),
          ...(metadataPending
            ? ['(the metadata peers send will be checked against the envelope when it arrives)']
            : []),
          ...(verdict.uncovered.length
            ? [`not covered by the signature: ${verdict.uncovered.join(', ')}`]
            : []),
        ].join('\n'),
        {
          ok: true,
          trusted: true,
          infoHash: verdict.infoHash,
          fingerprint: decision.fingerprint,
          publishers: signers,
          envelopes: verdict.envelopes.length,
          metadataPending,
          uncovered: verdict.uncovered,
        },
      )
    })
}
