/**
 * How a running `vouch serve` tells other `vouch` commands on the same machine where it is:
 * HOME/serve.json (mode 0600, since it holds the API token), written once the server listens and
 * removed when it stops. `vouch events --follow` reads it to reach the live event stream.
 *
 *   { "version": 1, "pid": 4242, "url": "http://127.0.0.1:PORT/?token=…",
 *     "api": "ws://127.0.0.1:PORT/api", "token": "…", "metrics": "http://…/metrics" | null,
 *     "rpc": "http://…/transmission/rpc" | null }
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { WEBSOCKET_PATH } from '../api/contract.ts'
import { VouchError } from '../errors.ts'
import { urlHost } from './listen.ts'

export const ADVERTISEMENT_FILE = 'serve.json'

const AdvertisementSchema = z.object({
  version: z.literal(1),
  pid: z.number().int().positive(),
  url: z.string(),
  api: z.string().startsWith('ws://'),
  token: z.string().min(1),
  metrics: z.string().nullable(),
  rpc: z.string().nullable(),
})
export type Advertisement = z.output<typeof AdvertisementSchema>

export function advertisementPath(home: string): string {
  return path.join(home, ADVERTISEMENT_FILE)
}

/** The WebSocket address of the API of a server at `host:port`. */
export function apiAddress(host: string, port: number): string {
  return `ws://${urlHost(host)}:${port}${WEBSOCKET_PATH}`
}

/** Write HOME/serve.json; returns a function that removes it (only if it is still ours). */
export async function advertise(
  home: string,
  advertisement: Omit<Advertisement, 'version'>,
): Promise<() => Promise<void>> {
  const file = advertisementPath(home)
  const text = `${JSON.stringify({ version: 1, ...advertisement }, null, 2)}\n`
  await writeFile(file, text, { mode: 0o600 })
  return async () => {
    const now = await readFile(file, 'utf8').catch(() => null)
    if (now === text) await rm(file, { force: true })
  }
}

/** The running server of HOME, or a clear error saying none is advertised there. */
export async function readAdvertisement(home: string): Promise<Advertisement> {
  const file = advertisementPath(home)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new VouchError(
      'network',
      `no running vouch serve for ${home} (${file} not found): start \`vouch serve\` first`,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new VouchError('bad-input', `${file} is not JSON`)
  }
  const result = AdvertisementSchema.safeParse(parsed)
  if (!result.success)
    throw new VouchError(
      'bad-input',
      `${file} is not a serve advertisement: ${result.error.issues[0]?.message ?? ''}`,
    )
  return result.data
}
