import { describe, expect, it } from 'vitest'
import { addressKey, addressOrdinal } from '../../../src/defence/address.ts'
import type { Ban } from '../../../src/defence/ban-store.ts'
import { MemoryBanStore } from '../../../src/defence/memory-ban-store.ts'
import { banExpiry, DecayingCounter, DEFAULT_POLICY } from '../../../src/defence/policy.ts'

const HOUR = 60 * 60 * 1000

describe('address keys', () => {
  it.each([
    ['127.0.0.5', '127.0.0.5'],
    ['::ffff:127.0.0.5', '127.0.0.5'],
    ['::FFFF:7f00:5', '127.0.0.5'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['[2001:db8::1]', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['Example.Org', 'example.org'],
  ])('keys %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key)
  })

  it('gives every address of one IPv6 /64 the same key and its neighbour another', () => {
    expect(addressKey('2001:db8:1:2::5')).toBe(addressKey('2001:db8:1:2:ffff::9'))
    expect(addressKey('2001:db8:1:3::5')).not.toBe(addressKey('2001:db8:1:2::5'))
  })

  it('orders IPv4 addresses for range checks', () => {
    const a = addressOrdinal('10.0.0.1') ?? 0n
    const b = addressOrdinal('10.0.1.0') ?? 0n
    expect(a < b).toBe(true)
    expect(addressOrdinal('not an address')).toBeNull()
  })
})

describe('ban lengths', () => {
  it('bans proof longer than suspicion and escalates repeat offenders until permanent', () => {
    const now = 1_000
    expect(banExpiry('sole-contributor', 0, now)).toBe(now + 24 * HOUR)
    expect(banExpiry('poisoned-block', 1, now)).toBe(now + 4 * 24 * HOUR)
    expect(banExpiry('strikes', 0, now)).toBe(now + HOUR)
    expect(banExpiry('unsolicited', 2, now)).toBe(now + 16 * HOUR)
    expect(banExpiry('poisoned-block', 3, now)).toBe(now + 64 * 24 * HOUR)
    expect(banExpiry('poisoned-block', 4, now)).toBeNull()
    expect(banExpiry('manual', 0, now)).toBeNull()
    expect(DEFAULT_POLICY.probation).toBe(true)
  })
})

describe('decaying strikes', () => {
  it('halves every half-life, takes strikes back, and forgets what decayed away', () => {
    const strikes = new DecayingCounter(1000)
    expect(strikes.add('a', 4, 0)).toBe(4)
    expect(strikes.value('a', 1000)).toBeCloseTo(2)
    expect(strikes.add('a', -1, 2000)).toBeCloseTo(0)
    expect(strikes.add('b', 1, 0)).toBe(1)
    expect(strikes.add('b', -5, 0)).toBe(0)
    expect(strikes.size).toBe(0)
  })
})

function ban(address: string, overrides: Partial<Ban> = {}): Ban {
  return {
    address,
    rangeEnd: null,
    reason: 'poisoned-block',
    source: 'automatic',
    evidence: null,
    note: '',
    createdAt: 0,
    expiresAt: null,
    ...overrides,
  }
}

describe('memory ban store', () => {
  it('covers every port and IPv6 address of the banned key, until the ban expires', () => {
    const store = new MemoryBanStore()
    store.add(ban('2001:db8:1:2::7', { expiresAt: 100 }))
    store.add(ban('127.0.0.9'))
    expect(store.banFor('2001:db8:1:2::ffff', 50)?.address).toBe('2001:db8:1:2::/64')
    expect(store.banFor('2001:db8:1:2::ffff', 100)).toBeUndefined()
    expect(store.banFor('::ffff:127.0.0.9', 50)?.reason).toBe('poisoned-block')
    expect(store.list(150).map((b) => b.address)).toEqual(['127.0.0.9'])
  })

  it('matches imported ranges and counts prior bans for escalation after a lift', () => {
    const store = new MemoryBanStore()
    store.add(ban('10.0.0.0', { rangeEnd: '10.0.0.255', reason: 'imported', source: 'imported' }))
    expect(store.banFor('10.0.0.77')?.reason).toBe('imported')
    expect(store.banFor('10.0.1.1')).toBeUndefined()
    store.add(ban('127.0.0.9'))
    expect(store.lift('127.0.0.9')).toBe(1)
    expect(store.banFor('127.0.0.9')).toBeUndefined()
    expect(store.priorBans('127.0.0.9')).toBe(1)
  })
})
