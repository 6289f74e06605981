import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { VouchError } from '../../../src/errors.ts'
import { listen, urlHost } from '../../../src/server/listen.ts'

describe('listening for the local endpoints', () => {
  const servers: Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
  })
  const server = () => {
    const made = createServer()
    servers.push(made)
    return made
  }

  it('returns the port bound when asked for any free one', async () => {
    const port = await listen(server(), '127.0.0.1', 0, 'metrics')
    expect(port).toBeGreaterThan(0)
  })

  it('refuses a taken port as a network error naming what was to listen, the host and the port', async () => {
    const port = await listen(server(), '127.0.0.1', 0)
    const refused = await listen(server(), '127.0.0.1', port, 'RPC').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(VouchError)
    expect((refused as VouchError).code).toBe('network')
    expect((refused as VouchError).message).toMatch(
      new RegExp(`^cannot listen for RPC on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
    )
    const unnamed = await listen(server(), '127.0.0.1', port).catch((error: unknown) => error)
    expect((unnamed as VouchError).message).toMatch(new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port}: `))
  })

  it('names hosts in URLs: IPv6 in brackets, the wildcard as loopback', () => {
    expect(urlHost('127.0.0.1')).toBe('127.0.0.1')
    expect(urlHost('::1')).toBe('[::1]')
    expect(urlHost('0.0.0.0')).toBe('127.0.0.1')
  })
})
