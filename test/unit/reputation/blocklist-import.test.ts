import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { VouchError } from '../../../src/errors.ts'
import { parseBlocklistLine } from '../../../src/reputation/blocklist.ts'
import { importBlocklist, machineAddresses, refuseEntry } from '../../../src/reputation/blocklist-import.ts'
import { parseIp, type IpAddress } from '../../../src/reputation/ip.ts'
import { liftCovering } from '../../../src/reputation/lift-covering.ts'
import type { BlocklistEntry } from '../../../src/reputation/store.ts'
import { ReputationStore } from '../../../src/reputation/store.ts'
import { tempDir } from '../../kit/swarm.ts'

function line(text: string): BlocklistEntry {
  const parsed = parseBlocklistLine(text)
  if (!('entry' in parsed)) throw new Error(`not an entry: ${text}`)
  return parsed.entry
}

const OWN: IpAddress[] = [parseIp('192.168.7.20') as IpAddress, parseIp('2001:db8:5::20') as IpAddress]

describe('blocklist limits: an entry that would ban everything, or this machine, is refused', () => {
  it.each([
    ['0.0.0.0-255.255.255.255', 'too-wide'],
    ['0.0.0.0/0', 'too-wide'],
    ['::/0', 'too-wide'],
    ['2000::/3', 'too-wide'],
    ['10.0.0.0/7', 'too-wide'],
    // An IPv6 range may reach IPv4 through the IPv4-mapped space.
    ['::2-::1:0:0:0', 'too-wide'],
    ['127.0.0.0/8', 'loopback'],
    ['127.0.0.1', 'loopback'],
    ['126.255.255.0-127.0.0.5', 'loopback'],
    ['::1', 'loopback'],
    ['192.168.7.0/24', 'own-address'],
    ['2001:db8:5::/48', 'own-address'],
  ])('%s is refused as %s', (text, reason) => {
    expect(refuseEntry(line(text), OWN)?.reason, text).toBe(reason)
  })

  it.each(['11.0.0.0/8', '1.2.3.4', '2a00::/32', '192.168.8.0/24', 'Bad Corp:5.6.7.0-5.6.7.255'])(
    '%s (no wider than the limit, not this machine) is accepted',
    (text) => {
      expect(refuseEntry(line(text), OWN), text).toBeNull()
    },
  )

  it('counts every interface address, loopback included, as this machine', () => {
    const own = machineAddresses()
    expect(own.some((address) => address.family === 4 && address.value === 0x7f000001n)).toBe(true)
  })
})

describe('importBlocklist', () => {
  const stores: ReputationStore[] = []
  afterEach(() => {
    for (const store of stores.splice(0)) store.close()
  })
  const open = async () => {
    const store = ReputationStore.open(path.join(await tempDir('vouch-import-'), 'vouch.db'))
    stores.push(store)
    return store
  }
  const bytes = (text: string) => new TextEncoder().encode(text)

  it('imports the rest and reports each refused entry with its reason', async () => {
    const store = await open()
    const summary = importBlocklist(
      store,
      bytes('everything:0.0.0.0-255.255.255.255\n127.0.0.0/8\n5.6.7.8\n'),
      {
        subject: 'list.p2p',
        ownAddresses: OWN,
      },
    )
    expect(summary.added.map((ban) => ban.address)).toEqual(['5.6.7.8'])
    expect(summary.refusedCount).toBe(2)
    expect(summary.refused).toEqual([
      expect.objectContaining({ range: '0.0.0.0-255.255.255.255', label: 'everything', reason: 'too-wide' }),
      expect.objectContaining({ range: '127.0.0.0-127.255.255.255', reason: 'loopback' }),
    ])
    expect(store.banFor('9.9.9.9')).toBeUndefined()
    expect(store.banFor('127.0.0.1')).toBeUndefined()
  })

  it('imports refused entries too when forced', async () => {
    const store = await open()
    const summary = importBlocklist(store, bytes('127.0.0.0/8\n'), {
      subject: 'x',
      force: true,
      ownAddresses: OWN,
    })
    expect(summary.added).toHaveLength(1)
    expect(summary.refusedCount).toBe(0)
    expect(store.banFor('127.0.0.1')?.rangeEnd).toBe('127.255.255.255')
  })

  it('throws bad-input naming the reason when every entry is refused', async () => {
    const store = await open()
    let thrown: unknown
    try {
      importBlocklist(store, bytes('::/0\n'), { subject: 'all.txt', ownAddresses: OWN })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(VouchError)
    expect((thrown as VouchError).code).toBe('bad-input')
    expect((thrown as VouchError).message).toMatch(
      /all\.txt: nothing to import; 1 entry refused \(covers \d+ IPv4 addresses, more than a \/8; --force imports them\)/,
    )
  })

  it('lifting an address lifts the range that covers it', async () => {
    const store = await open()
    importBlocklist(store, bytes('wide:127.0.0.0-127.0.255.255\n'), {
      subject: 'x',
      force: true,
      ownAddresses: OWN,
    })
    const result = liftCovering('127.0.0.1', (text) => store.lift(text), store)
    expect(result.lifted).toBe(1)
    expect(result.ranges.map((ban) => `${ban.address}-${ban.rangeEnd}`)).toEqual(['127.0.0.0-127.0.255.255'])
    expect(store.banFor('127.0.0.1')).toBeUndefined()
  })
})
