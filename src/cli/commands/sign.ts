import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import { readTorrentFile } from '../../engine/source.ts'
import { SIDECAR_SUFFIX, formatSidecar } from '../../provenance/carriers.ts'
import { readSidecarFor } from '../../provenance/gate.ts'
import { parseDateOption, parseSequenceOption, readSecretKeyFile } from '../../provenance/files.ts'
import type { SecretKey } from '../../provenance/keys.ts'
import { signTorrent, type SignedTorrent } from '../../provenance/sign.ts'
import { mergeEnvelopes, readEnvelopes } from '../../provenance/torrent.ts'
import { globalOptions, report } from '../context.ts'

export interface SignFlags {
  expires?: string
  sequence?: string
  /** false with --no-bind-sources: leave the tracker and web-seed lists unsigned. */
  bindSources?: boolean
}

/** Sign .torrent bytes with the options the CLI understands; bad input becomes VouchError. */
export function signWithFlags(
  bytes: Uint8Array,
  key: SecretKey,
  flags: SignFlags,
  origin: string,
): SignedTorrent {
  const expires = flags.expires
    ? Math.floor(parseDateOption(flags.expires, '--expires').getTime() / 1000)
    : undefined
  const sequence = parseSequenceOption(flags.sequence)
  if (expires !== undefined && expires * 1000 <= Date.now())
    throw new VouchError('usage', `--expires ${flags.expires} is in the past`)
  try {
    return signTorrent(bytes, key, { expires, sequence, bindSources: flags.bindSources !== false })
  } catch (error) {
    throw new VouchError('bad-input', `cannot sign ${origin}: ${(error as Error).message}`, {
      source: origin,
    })
  }
}

export function registerSign(program: Command): void {
  program
    .command('sign')
    .description('add your signature (an envelope) to a .torrent; its infohash does not change')
    .argument('<torrent>', '.torrent file')
    .requiredOption('--key <file>', 'your secret key (from vouch keygen)')
    .option('--expires <date>', 'the signature is refused after this date')
    .option('--sequence <n>', 'release number; Vouch refuses an older one once it has seen a newer')
    .option('--out <file>', 'write the signed .torrent here (default: overwrite the input)')
    .option(
      '--no-bind-sources',
      'do not sign the tracker and web-seed lists (announce, announce-list, url-list)',
    )
    .option('--sidecar', `leave the .torrent alone and write the envelope to FILE${SIDECAR_SUFFIX}`)
    .action(
      async (
        torrentPath: string,
        flags: SignFlags & { key: string; out?: string; sidecar?: boolean },
        command: Command,
      ) => {
        const global = globalOptions(command)
        const key = await readSecretKeyFile(flags.key, { insecurePermissions: global.insecureKeyPermissions })
        const source = await readTorrentFile(torrentPath)
        const signed = signWithFlags(source.bytes, key, flags, torrentPath)
        let out: string
        if (flags.sidecar) {
          const torrentOut = flags.out ?? torrentPath
          out = `${torrentOut}${SIDECAR_SUFFIX}`
          const envelopes = mergeEnvelopes(readEnvelopes(await readSidecarFor(torrentOut)), [signed.envelope])
          await writeFile(out, formatSidecar(envelopes))
        } else {
          out = flags.out ?? torrentPath
          await writeFile(out, signed.bytes)
        }
        report(
          global,
          `signed ${signed.infoHash} as ${key.fingerprint} → ${out}` +
            (signed.envelope.sequence !== undefined ? ` (sequence ${signed.envelope.sequence})` : ''),
          {
            ok: true,
            out,
            infoHash: signed.infoHash,
            fingerprint: key.fingerprint,
            sequence: signed.envelope.sequence ?? null,
            expires:
              signed.envelope.expires === undefined
                ? null
                : new Date(signed.envelope.expires * 1000).toISOString(),
            carrier: flags.sidecar ? 'sidecar' : 'torrent',
          },
        )
      },
    )
}
