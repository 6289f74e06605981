/**
 * Whether something on this machine accepts TCP connections on `port` (127.0.0.1): Transmission's
 * `port-test` answers with it, asking no outside service.
 */
import net from 'node:net'

export function acceptsConnections(port: number, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.setTimeout(timeoutMs)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(false))
  })
}
