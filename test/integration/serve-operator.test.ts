import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { QUIET_FLAGS, runVouch } from '../kit/cli.ts'
import { startServe } from '../kit/serve.ts'
import { Swarm } from '../kit/swarm.ts'

describe('vouch serve: the operator flags as an operator gets them wrong and right', () => {
  const swarm = new Swarm()
  afterAll(() => swarm.close())
  const serve = async (home: string, ...args: string[]) =>
    runVouch(['--home', home, 'serve', ...QUIET_FLAGS, ...args], { timeoutMs: 20_000 })

  it('exits with a usage error for flags that need each other, and stops cleanly', async () => {
    const home = await swarm.tempDir('vouch-home-')
    const token = await serve(home, '--metrics-token-file', path.join(home, 'token'))
    expect(token.code).toBe(1)
    expect(token.stderr).toMatch(/--metrics-token-file needs --metrics-port/)
    const rpc = await serve(home, '--rpc-port', '0')
    expect(rpc.code).toBe(1)
    expect(rpc.stderr).toMatch(/--rpc-port and --rpc-credentials go together/)
  })

  it('exits 2 for a token too short and for credentials others can read', async () => {
    const home = await swarm.tempDir('vouch-home-')
    const token = path.join(home, 'token')
    await writeFile(token, 'short\n', { mode: 0o600 })
    const short = await serve(home, '--metrics-port', '0', '--metrics-token-file', token)
    expect(short.code).toBe(2)
    expect(short.stderr).toMatch(/must hold a token of at least 16 characters/)
    const credentials = path.join(home, 'rpc.credentials')
    await writeFile(credentials, 'user:password\n')
    await chmod(credentials, 0o640)
    const open = await serve(home, '--rpc-port', '0', '--rpc-credentials', credentials)
    expect(open.code).toBe(2)
    expect(open.stderr).toMatch(/readable by others \(mode 640\): run chmod 600/)
  })

  it('makes a missing credentials file with a random password, mode 0600, and says where', async () => {
    const home = await swarm.tempDir('vouch-home-')
    const credentials = path.join(home, 'rpc.credentials')
    const running = await startServe(swarm, home, ['--rpc-port', '0', '--rpc-credentials', credentials])
    expect(running.serving).toMatchObject({ rpcCredentials: credentials, rpcCredentialsGenerated: true })
    expect((await stat(credentials)).mode & 0o777).toBe(0o600)
    const [user, password] = (await readFile(credentials, 'utf8')).trim().split(':')
    expect(user).toBe('vouch')
    expect(password?.length).toBeGreaterThanOrEqual(24)
    expect(running.advertisement.rpc).toBe(running.serving.rpcUrl)
    const reply = await fetch(String(running.serving.rpcUrl), {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    })
    expect(reply.status).toBe(409)
  })
})
