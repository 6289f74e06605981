import { COMMAND_CHANNEL, type CommandResponse } from './contract.ts'
import type { Dispatcher } from './dispatcher.ts'

/** The part of an Electron IpcMainInvokeEvent the transport reads (src/ never imports electron). */
export interface IpcInvokeEvent {
  /** Null when the frame navigated away or was destroyed before the message was handled. */
  senderFrame: { url: string; parent?: unknown } | null
}

/** The part of Electron's ipcMain the transport uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>): void
  removeHandler(channel: string): void
}

/** Decides whether a message comes from our own UI; see electron/security.ts. */
export type SenderCheck = (event: IpcInvokeEvent) => boolean

/**
 * The Electron transport: one `invoke` channel for every command. The sender's frame is checked
 * before the dispatcher (which validates the message itself) sees anything; raw `ipcMain.on`
 * channels are not used anywhere.
 */
export function registerIpcTransport(
  ipcMain: IpcMainLike,
  dispatcher: Dispatcher,
  isTrustedSender: SenderCheck,
): () => void {
  ipcMain.handle(COMMAND_CHANNEL, async (event, ...args): Promise<CommandResponse> => {
    if (!isTrustedSender(event)) {
      return {
        ok: false,
        error: {
          code: 'refused',
          message: 'commands are accepted only from the Vouch window',
          details: { sender: event.senderFrame?.url ?? null },
        },
      }
    }
    if (args.length !== 1) {
      return {
        ok: false,
        error: { code: 'bad-input', message: 'expected exactly one command message', details: {} },
      }
    }
    return dispatcher.dispatch(args[0])
  })
  return () => ipcMain.removeHandler(COMMAND_CHANNEL)
}
