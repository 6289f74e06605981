import { stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import { VouchError } from '../../errors.ts'
import { parseTorrentBytes } from '../../engine/source.ts'
import { createTorrentBytes } from '../../engine/torrent-create.ts'
import { readSecretKeyFile } from '../../provenance/files.ts'
import { signWithFlags } from './sign.ts'
import { globalOptions, report } from '../context.ts'

export interface CreateOptions {
  announce?: string[]
  pieceLength?: number
  comment?: string
}

/** Build a .torrent for a file or directory. */
export async function createTorrentFile(dataPath: string, options: CreateOptions = {}): Promise<Uint8Array> {
  try {
    await stat(dataPath)
  } catch {
    throw new VouchError('bad-input', `cannot read ${dataPath}: no such file or directory`, {
      source: dataPath,
    })
  }
  try {
    return await createTorrentBytes(path.resolve(dataPath), {
      createdBy: 'Vouch',
      announceList: options.announce?.map((url) => [url]) ?? [],
      ...(options.pieceLength ? { pieceLength: options.pieceLength } : {}),
      ...(options.comment ? { comment: options.comment } : {}),
    })
  } catch (error) {
    throw new VouchError('bad-input', `cannot create a torrent from ${dataPath}: ${(error as Error).message}`)
  }
}

export function parsePieceLength(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  // BEP 3: a power of two; 16 KiB to 64 MiB covers every client in use.
  if (!Number.isInteger(value) || value < 16384 || value > 64 * 1024 * 1024 || (value & (value - 1)) !== 0) {
    throw new VouchError(
      'usage',
      `--piece-length must be a power of two from 16384 to 67108864, not '${text}'`,
    )
  }
  return value
}

export function registerCreate(program: Command): void {
  program
    .command('create')
    .description('make a .torrent for a file or directory')
    .argument('<path>', 'file or directory to share')
    .requiredOption('--out <file>', 'where to write the .torrent')
    .option('--announce <url...>', 'tracker URL(s)')
    .option('--piece-length <n>', 'piece length in bytes (power of two)')
    .option('--sign <key>', 'sign it with this secret key (from vouch keygen)')
    .option('--expires <date>', 'with --sign: the signature is refused after this date')
    .option('--sequence <n>', 'with --sign: release number for rollback protection')
    .action(
      async (
        dataPath: string,
        flags: {
          out: string
          announce?: string[]
          pieceLength?: string
          sign?: string
          expires?: string
          sequence?: string
        },
        command: Command,
      ) => {
        const global = globalOptions(command)
        for (const url of flags.announce ?? []) {
          if (!/^(https?|udp|wss?):\/\/\S+$/.test(url))
            throw new VouchError('usage', `--announce '${url}' is not a tracker URL`)
        }
        const pieceLength = parsePieceLength(flags.pieceLength)
        const key = flags.sign
          ? await readSecretKeyFile(flags.sign, { insecurePermissions: global.insecureKeyPermissions })
          : null
        if (!key && (flags.expires || flags.sequence))
          throw new VouchError('usage', '--expires and --sequence need --sign KEY')
        let bytes = await createTorrentFile(dataPath, {
          announce: flags.announce ?? [],
          ...(pieceLength ? { pieceLength } : {}),
        })
        if (key) bytes = signWithFlags(bytes, key, flags, flags.out).bytes
        await writeFile(flags.out, bytes)
        const parsed = await parseTorrentBytes(bytes, flags.out)
        report(
          global,
          `created ${flags.out}\ninfohash ${parsed.infoHash}\nname ${parsed.name} (${parsed.length} bytes, ${parsed.pieces?.length} pieces)` +
            (key ? `\nsigned by ${key.fingerprint}` : ''),
          {
            ok: true,
            out: flags.out,
            infoHash: parsed.infoHash,
            name: parsed.name,
            length: parsed.length,
            pieces: parsed.pieces?.length,
            pieceLength: parsed.pieceLength,
            signedBy: key ? key.fingerprint : null,
          },
        )
      },
    )
}
