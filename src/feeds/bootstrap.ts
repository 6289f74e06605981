/** `--dht-bootstrap HOST:PORT`, checked without loading the DHT (the CLI parses it at start-up). */
import { VouchError } from '../errors.ts'

const HOST_PORT = /^(\[[0-9a-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/i

/** `--dht-bootstrap HOST:PORT`, checked. */
export function parseBootstrap(text: string): string {
  const match = HOST_PORT.exec(text.trim())
  const port = match ? Number(match[2]) : 0
  if (!match || port < 1 || port > 65535)
    throw new VouchError('usage', `--dht-bootstrap must be HOST:PORT, e.g. 127.0.0.2:6881, not '${text}'`)
  return `${match[1]}:${port}`
}
