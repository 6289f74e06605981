import { readFile } from 'node:fs/promises'
import { stripTypeScriptTypes } from 'node:module'
import vm from 'node:vm'
import { describe, expect, it, vi } from 'vitest'
import { COMMAND_CHANNEL, DESKTOP_CHANNEL, EVENT_CHANNEL } from '../../../src/api/contract.ts'

/**
 * Runs electron/preload.cts the way a sandboxed preload runs: a CommonJS script whose `require`
 * offers only `electron`. Anything else it tried to load would throw here.
 */
async function runPreload() {
  const source = stripTypeScriptTypes(
    await readFile(new URL('../../../electron/preload.cts', import.meta.url), 'utf8'),
  )
  const exposed = new Map<string, Record<string, unknown>>()
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>()
  const ipcRenderer = {
    invoke: vi.fn(async (channel: string, message: unknown) => ({ channel, message })),
    on: vi.fn((channel: string, listener: (...args: unknown[]) => void) => {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener])
    }),
    removeListener: vi.fn((channel: string, listener: (...args: unknown[]) => void) => {
      listeners.set(
        channel,
        (listeners.get(channel) ?? []).filter((existing) => existing !== listener),
      )
    }),
    send: vi.fn(),
  }
  const contextBridge = {
    exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.set(key, api),
  }
  const sandboxRequire = (name: string) => {
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`)
    return { contextBridge, ipcRenderer }
  }
  const module = { exports: {} }
  vm.runInNewContext(source, { require: sandboxRequire, module, exports: module.exports })
  return { exposed, ipcRenderer, listeners }
}

describe('the Electron preload', () => {
  it('exposes exactly the contract’s three verbs as window.vouch, and never ipcRenderer', async () => {
    const { exposed } = await runPreload()
    expect([...exposed.keys()]).toEqual(['vouch'])
    const bridge = exposed.get('vouch')!
    expect(Object.keys(bridge).sort()).toEqual(['command', 'desktop', 'onEvent'])
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function')
  })

  it('sends commands on the contract’s command channel, with the message untouched', async () => {
    const { exposed, ipcRenderer } = await runPreload()
    const message = { command: 'torrents.list', args: {} }
    const command = exposed.get('vouch')!.command as (message: unknown) => Promise<unknown>
    expect(await command(message)).toEqual({ channel: COMMAND_CHANNEL, message })
    expect(ipcRenderer.send).not.toHaveBeenCalled()
  })

  it('sends desktop commands on the contract’s desktop channel, with the message untouched', async () => {
    const { exposed } = await runPreload()
    const message = { command: 'desktop.revealTorrent', args: { infoHash: 'x' } }
    const desktop = exposed.get('vouch')!.desktop as (message: unknown) => Promise<unknown>
    expect(await desktop(message)).toEqual({ channel: DESKTOP_CHANNEL, message })
  })

  it('delivers events from the contract’s event channel without the IPC event object, and unsubscribes', async () => {
    const { exposed, listeners } = await runPreload()
    const received: unknown[] = []
    const onEvent = exposed.get('vouch')!.onEvent as (listener: (message: unknown) => void) => () => void
    const stop = onEvent((message) => received.push(message))
    const [forward] = listeners.get(EVENT_CHANNEL) ?? []
    forward?.({ sender: 'ipc internals' }, { event: 'torrent.removed', payload: { infoHash: 'x' } })
    expect(received).toEqual([{ event: 'torrent.removed', payload: { infoHash: 'x' } }])
    stop()
    expect(listeners.get(EVENT_CHANNEL)).toEqual([])
  })
})
