/**
 * The desktop shell's own commands (DESKTOP_COMMANDS in the contract), on their own invoke
 * channel: validated like every API command (trusted sender, envelope, name, arguments) before
 * anything runs. `desktop.revealTorrent` takes an infohash, never a path: the path shown is
 * resolved here, from the engine, and is always the torrent's own data under its save path.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import {
  CommandMessageSchema,
  DESKTOP_CHANNEL,
  DESKTOP_COMMANDS,
  type DesktopCommandName,
  type DesktopResponse,
} from '../src/api/contract.ts'
import type { IpcMainLike, SenderCheck } from '../src/api/ipc-transport.ts'
import { isVouchError } from '../src/errors.ts'

/** What the reveal needs of a torrent (the engine's `details`). */
export interface TorrentLocations {
  details(infoHash: string): Promise<{ savePath: string; files: readonly { path: string }[] }>
}

/** The part of Electron's `shell` used. */
export interface ShellLike {
  showItemInFolder(fullPath: string): void
}

/**
 * The torrent's file (single-file torrent) or top folder, when it is on disk and inside the save
 * path; else the save path itself.
 */
export function revealPath(savePath: string, files: readonly { path: string }[]): string {
  const root = path.resolve(savePath)
  const top = files[0]?.path.split(/[\\/]/)[0]
  if (!top) return root
  const candidate = path.resolve(root, top)
  const relative = path.relative(root, candidate)
  const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
  return inside && existsSync(candidate) ? candidate : root
}

const failure = (code: 'bad-input' | 'refused' | 'internal', message: string): DesktopResponse => ({
  ok: false,
  error: { code, message, details: {} },
})

export function registerDesktopCommands(
  ipcMain: IpcMainLike,
  torrents: TorrentLocations,
  shell: ShellLike,
  isTrustedSender: SenderCheck,
): () => void {
  ipcMain.handle(DESKTOP_CHANNEL, async (event, ...args): Promise<DesktopResponse> => {
    if (!isTrustedSender(event)) return failure('refused', 'commands are accepted only from the Vouch window')
    const envelope = args.length === 1 ? CommandMessageSchema.safeParse(args[0]) : null
    if (!envelope?.success) return failure('bad-input', 'expected exactly one command message')
    const { id, command } = envelope.data
    const withId = id === undefined ? {} : { id }
    if (!Object.hasOwn(DESKTOP_COMMANDS, command)) {
      return { ...withId, ...failure('bad-input', `unknown desktop command '${command.slice(0, 100)}'`) }
    }
    const parsed = DESKTOP_COMMANDS[command as DesktopCommandName].args.safeParse(envelope.data.args ?? {})
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const field = ['args', ...(issue?.path.map(String) ?? [])].join('.')
      return {
        ...withId,
        ...failure('bad-input', `invalid arguments for ${command}: ${field}: ${issue?.message}`),
      }
    }
    try {
      const details = await torrents.details(parsed.data.infoHash)
      const shown = revealPath(details.savePath, details.files)
      shell.showItemInFolder(shown)
      return { ...withId, ok: true, result: { path: shown } }
    } catch (error) {
      if (isVouchError(error)) {
        return { ...withId, ok: false, error: { code: error.code, message: error.message, details: {} } }
      }
      return { ...withId, ...failure('internal', `${command} failed unexpectedly`) }
    }
  })
  return () => ipcMain.removeHandler(DESKTOP_CHANNEL)
}
