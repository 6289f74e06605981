import { stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import type { ParsedTorrent } from 'parse-torrent'
import { VouchError } from '../../errors.ts'
import { parseTorrentBytes } from '../../engine/source.ts'
import { makeTorrent, type BuiltTorrent, type TorrentCreateOptions } from '../../engine/torrent-create.ts'
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
  return (await buildTorrentFile(dataPath, options)).bytes
}

/** The .torrent for a file or directory, and (when made here, not by create-torrent) what it holds. */
async function buildTorrentFile(
  dataPath: string,
  options: CreateOptions,
): Promise<{ bytes: Uint8Array; built: BuiltTorrent | null }> {
  try {
    await stat(dataPath)
  } catch {
    throw new VouchError('bad-input', `cannot read ${dataPath}: no such file or directory`, {
      source: dataPath,
    })
  }
  const input = path.resolve(dataPath)
  const createOptions: TorrentCreateOptions = {
    createdBy: 'Vouch',
    announceList: options.announce?.map((url) => [url]) ?? [],
    ...(options.pieceLength ? { pieceLength: options.pieceLength } : {}),
    ...(options.comment ? { comment: options.comment } : {}),
  }
  try {
    return await makeTorrent(input, createOptions)
  } catch (error) {
    throw new VouchError('bad-input', `cannot create a torrent from ${dataPath}: ${(error as Error).message}`)
  }
}

function factsOf(parsed: ParsedTorrent): Omit<BuiltTorrent, 'bytes'> {
  return {
    infoHash: parsed.infoHash ?? '',
    name: parsed.name ?? '',
    length: parsed.length ?? 0,
    pieces: parsed.pieces?.length ?? 0,
    pieceLength: parsed.pieceLength ?? 0,
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
        const created = await buildTorrentFile(dataPath, {
          announce: flags.announce ?? [],
          ...(pieceLength ? { pieceLength } : {}),
        })
        let bytes = created.bytes
        if (key) bytes = signWithFlags(bytes, key, flags, flags.out).bytes
        await writeFile(flags.out, bytes)
        // A signature changes none of these; what create-torrent made is decoded to learn them.
        const facts = created.built ?? factsOf(await parseTorrentBytes(bytes, flags.out))
        report(
          global,
          `created ${flags.out}\ninfohash ${facts.infoHash}\nname ${facts.name} (${facts.length} bytes, ${facts.pieces} pieces)` +
            (key ? `\nsigned by ${key.fingerprint}` : ''),
          {
            ok: true,
            out: flags.out,
            infoHash: facts.infoHash,
            name: facts.name,
            length: facts.length,
            pieces: facts.pieces,
            pieceLength: facts.pieceLength,
            signedBy: key ? key.fingerprint : null,
          },
        )
      },
    )
}
