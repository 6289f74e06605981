import { describe, expect, it } from 'vitest'
import { COMMANDS, EVENTS, type EventMessage } from '../../../src/api/contract.ts'
import { Dispatcher, EventBus, type Handlers } from '../../../src/api/dispatcher.ts'
import { VouchError } from '../../../src/errors.ts'

const INFOHASH = '0123456789abcdef0123456789abcdef01234567'

function handlers(overrides: Partial<Handlers> = {}): { handlers: Handlers; calls: string[] } {
  const calls: string[] = []
  const base: Handlers = {
    'app.info': () => {
      calls.push('app.info')
      return {
        version: '1.0.0',
        downloadDir: '/tmp',
        home: '/tmp',
      }
    },
    'torrents.list': () => {
      calls.push('torrents.list')
      return []
    },
    'torrents.add': (args) => {
      calls.push(`torrents.add ${args.source}`)
      return { status: 'added', infoHash: INFOHASH, name: 'x', duplicate: false }
    },
    'torrents.addFile': () => {
      calls.push('torrents.addFile')
      return { status: 'added', infoHash: INFOHASH, name: 'x', duplicate: false }
    },
    'torrents.remove': () => {
      calls.push('torrents.remove')
      return { removed: true }
    },
    'stats.history': () => {
      calls.push('stats.history')
      return []
    },
    'trust.list': () => ({ publishers: [], groups: [] }),
    'trust.addGroup': () => {
      throw new Error('not in this test')
    },
    'trust.describeRotation': () => {
      throw new Error('not in this test')
    },
    'trust.rotate': () => {
      throw new Error('not in this test')
    },
    'feeds.list': () => [],
    'feeds.describe': () => {
      throw new Error('not in this test')
    },
    'feeds.follow': () => {
      throw new Error('not in this test')
    },
    'feeds.remove': () => {
      throw new Error('not in this test')
    },
    'trust.pin': () => {
      throw new Error('not in this test')
    },
    'trust.remove': () => {
      throw new Error('not in this test')
    },
    'trust.revoke': () => {
      throw new Error('not in this test')
    },
    'peers.list': () => [],
    'bans.list': () => [],
    'bans.lift': () => ({ lifted: 0, ranges: [] }),
    'bans.export': ({ format }) => ({
      format,
      fileName: 'x',
      mediaType: 'text/plain',
      text: '',
      included: 0,
      omitted: 0,
      signedBy: null,
    }),
    'bans.import': () => {
      throw new Error('not in this test')
    },
    'subscriptions.list': () => [],
    'subscriptions.add': () => ({
      url: 'http://x/',
      everyMs: 1,
      checkedAt: null,
      changedAt: null,
      entries: 0,
      error: null,
    }),
    'subscriptions.remove': () => ({ removed: false, lifted: 0 }),
    'rules.get': () => ({ file: '/tmp/rules.json', text: '{}', isDefault: true }),
    'rules.set': () => ({ file: '/tmp/rules.json', text: '{}', isDefault: false }),
    'rules.test': () => ({ peers: 0, observations: 0, findings: [] }),
    'torrents.offerEnvelope': () => {
      throw new Error('not in this test')
    },
    'torrents.pause': () => {
      throw new Error('not in this test')
    },
    'torrents.resume': () => {
      throw new Error('not in this test')
    },
    'torrents.addPeer': () => {
      throw new Error('not in this test')
    },
    'torrents.details': () => {
      throw new Error('not in this test')
    },
    'torrents.setFiles': () => {
      throw new Error('not in this test')
    },
    'torrents.reannounce': () => {
      throw new Error('not in this test')
    },
    'torrents.setLimits': () => {
      throw new Error('not in this test')
    },
    'audit.list': () => {
      throw new Error('not in this test')
    },
    'bans.create': () => {
      throw new Error('not in this test')
    },
    'app.status': () => {
      throw new Error('not in this test')
    },
    'settings.get': () => {
      throw new Error('not in this test')
    },
    'settings.set': () => {
      throw new Error('not in this test')
    },
  }
  return { handlers: { ...base, ...overrides }, calls }
}

describe('the API dispatcher', () => {
  it('runs the handler of a valid command and returns its result with the request id', async () => {
    const { handlers: all, calls } = handlers()
    const response = await new Dispatcher(all).dispatch({
      id: 7,
      command: 'torrents.add',
      args: { source: ' magnet:?x ' },
    })
    expect(response).toEqual({
      id: 7,
      ok: true,
      result: { status: 'added', infoHash: INFOHASH, name: 'x', duplicate: false },
    })
    expect(calls).toEqual(['torrents.add magnet:?x'])
  })

  it.each([
    ['a string', 'torrents.list'],
    ['null', null],
    ['an array', [1, 2]],
    ['no command', { id: 1, args: {} }],
    ['a numeric command', { id: 1, command: 5 }],
    ['a negative id', { id: -1, command: 'torrents.list' }],
    ['extra fields', { id: 1, command: 'torrents.list', args: {}, evil: true }],
  ])('refuses a malformed message (%s) with bad-input and runs nothing', async (_label, message) => {
    const { handlers: all, calls } = handlers()
    const response = await new Dispatcher(all).dispatch(message)
    expect(response.ok).toBe(false)
    if (!response.ok) expect(response.error.code).toBe('bad-input')
    expect(calls).toEqual([])
  })

  it.each(['torrents.nuke', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'refuses the unknown command %s without running anything',
    async (command) => {
      const { handlers: all, calls } = handlers()
      const response = await new Dispatcher(all).dispatch({ id: 3, command, args: {} })
      expect(response).toMatchObject({ id: 3, ok: false, error: { code: 'bad-input' } })
      if (!response.ok) expect(response.error.message).toContain('unknown command')
      expect(calls).toEqual([])
    },
  )

  it.each([
    ['a missing source', 'torrents.add', {}],
    ['an empty source', 'torrents.add', { source: '   ' }],
    ['a huge source', 'torrents.add', { source: 'm'.repeat(100_000) }],
    ['an unexpected field', 'torrents.add', { source: 'magnet:?', deleteEverything: true }],
    ['peers of the wrong type', 'torrents.add', { source: 'magnet:?', peers: '127.0.0.2:1' }],
    ['a non-base64 file', 'torrents.addFile', { fileName: 'a.torrent', contentBase64: '!!not base64!!' }],
    ['an uppercase infohash', 'torrents.remove', { infoHash: INFOHASH.toUpperCase() }],
    ['arguments to a command without any', 'torrents.list', { all: true }],
    ['arguments that are not an object', 'torrents.list', 'yes'],
    ['a report format nobody reads', 'bans.export', { format: 'xml' }],
    ['a fingerprint with a path in it', 'trust.revoke', { fingerprint: '../../trust.json' }],
    [
      'an expiry that is not a date',
      'trust.pin',
      { publicKey: 'vouch-ed25519 x', name: 'A', expires: 'soon' },
    ],
    ['a publisher without a name', 'trust.pin', { publicKey: 'vouch-ed25519 x', name: '  ' }],
    ['a peer limit that is not a count', 'peers.list', { limit: -1 }],
    ['a pause without an infohash', 'torrents.pause', {}],
    ['a resume with a path for an infohash', 'torrents.resume', { infoHash: '../..' }],
    ['deleteData that is not a boolean', 'torrents.remove', { infoHash: INFOHASH, deleteData: 'yes' }],
    ['a peer without an address', 'torrents.addPeer', { infoHash: INFOHASH, address: '' }],
    [
      'a file priority nobody defined',
      'torrents.setFiles',
      { infoHash: INFOHASH, files: [{ index: 0, priority: 'max' }] },
    ],
    [
      'a negative file index',
      'torrents.setFiles',
      { infoHash: INFOHASH, files: [{ index: -1, priority: 'skip' }] },
    ],
    ['no files to set', 'torrents.setFiles', { infoHash: INFOHASH, files: [] }],
    ['a torrent limit of 0 bytes per second', 'torrents.setLimits', { infoHash: INFOHASH, downloadLimit: 0 }],
    ['a fractional torrent limit', 'torrents.setLimits', { infoHash: INFOHASH, uploadLimit: 1.5 }],
    ['a torrent limit given as text', 'torrents.setLimits', { infoHash: INFOHASH, downloadLimit: '1M' }],
    ['torrent limits without any limit', 'torrents.setLimits', { infoHash: INFOHASH }],
    ['torrent limits with a ratio', 'torrents.setLimits', { infoHash: INFOHASH, ratioLimit: 2 }],
    ['a relative download folder', 'settings.set', { downloadDir: 'downloads' }],
    ['a negative download limit', 'settings.set', { downloadLimit: -5 }],
    ['a theme nobody made', 'settings.set', { theme: 'neon' }],
    ['an audit page too long', 'audit.list', { limit: 201 }],
    ['a setting that does not exist', 'settings.set', { allowUnsignedByDefault: true }],
  ])('refuses %s with bad-input naming the field, before the handler runs', async (_label, command, args) => {
    const { handlers: all, calls } = handlers()
    const response = await new Dispatcher(all).dispatch({ id: 1, command, args })
    expect(response.ok).toBe(false)
    if (!response.ok) {
      expect(response.error.code).toBe('bad-input')
      expect(response.error.message).toContain(`invalid arguments for ${command}`)
    }
    expect(calls).toEqual([])
  })

  it('passes a VouchError from a handler through as a typed error', async () => {
    const { handlers: all } = handlers({
      'torrents.add': () => {
        throw new VouchError('bad-input', 'malformed magnet link', { source: 'magnet:?' })
      },
    })
    const response = await new Dispatcher(all).dispatch({
      command: 'torrents.add',
      args: { source: 'magnet:?' },
    })
    expect(response).toEqual({
      ok: false,
      error: { code: 'bad-input', message: 'malformed magnet link', details: { source: 'magnet:?' } },
    })
  })

  it('turns an unexpected exception into an internal error without leaking it, and logs it', async () => {
    const logged: string[] = []
    const { handlers: all } = handlers({
      'torrents.list': () => {
        throw new Error('secret stack detail')
      },
    })
    const dispatcher = new Dispatcher(all, (message) => logged.push(message))
    const response = await dispatcher.dispatch({ command: 'torrents.list', args: {} })
    expect(response).toMatchObject({ ok: false, error: { code: 'internal' } })
    expect(JSON.stringify(response)).not.toContain('secret')
    expect(logged).toEqual(['torrents.list failed'])
  })

  it('refuses to return a result outside the contract', async () => {
    const { handlers: all } = handlers({
      // A handler bug: the wrong shape for torrents.list.
      'torrents.list': () => [{ infoHash: 'nope' }] as never,
    })
    const response = await new Dispatcher(all).dispatch({ command: 'torrents.list' })
    expect(response).toMatchObject({ ok: false, error: { code: 'internal' } })
  })

  it('treats missing args as an empty object', async () => {
    const { handlers: all, calls } = handlers()
    const response = await new Dispatcher(all).dispatch({ command: 'stats.history' })
    expect(response).toEqual({ ok: true, result: [] })
    expect(calls).toEqual(['stats.history'])
  })

  it('declares a schema for the arguments and the result of every command, and a payload schema for every event', () => {
    for (const [name, schema] of Object.entries(COMMANDS)) {
      expect(typeof schema.args.safeParse, name).toBe('function')
      expect(typeof schema.result.safeParse, name).toBe('function')
    }
    for (const [name, schema] of Object.entries(EVENTS))
      expect(typeof schema.safeParse, name).toBe('function')
  })
})

describe('the event bus', () => {
  it('delivers events that match the contract and drops those that do not', () => {
    const logged: string[] = []
    const bus = new EventBus((message) => logged.push(message))
    const seen: EventMessage[] = []
    const unsubscribe = bus.subscribe((message) => seen.push(message))
    bus.publish('torrent.removed', { infoHash: INFOHASH })
    bus.publish('torrent.removed', { infoHash: 'not a hash' })
    unsubscribe()
    bus.publish('torrent.removed', { infoHash: INFOHASH })
    expect(seen).toEqual([{ event: 'torrent.removed', payload: { infoHash: INFOHASH } }])
    expect(logged).toEqual(['event torrent.removed is outside the contract; dropped'])
  })
})
