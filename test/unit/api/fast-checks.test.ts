import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { COMMANDS, TORRENT_STATES, TorrentViewSchema } from '../../../src/api/contract.ts'
import { Dispatcher, type Handlers } from '../../../src/api/dispatcher.ts'
import { FAST_RESULT_CHECKS, isTorrentView } from '../../../src/api/fast-checks.ts'

/** The same value with every object rebuilt on Object.prototype (own keys, undefined ones too, kept). */
const plainCopy = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(plainCopy)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).map(([key, field]) => [key, plainCopy(field)]))
      : value

const size = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e15, noNaN: true }))

const provenance = fc.oneof(
  fc.constant({ status: 'unchecked' }),
  fc.constant({ status: 'unsigned-allowed' }),
  fc.record({ status: fc.constant('held'), waitingFor: fc.constantFrom('signature', 'metadata') }),
  fc.record({
    status: fc.constant('signed'),
    publishers: fc.array(fc.record({ name: fc.string(), fingerprint: fc.string() }), {
      minLength: 1,
      maxLength: 3,
    }),
  }),
)

/** Views the schema accepts, as the engine builds them (plain objects, as zod outputs). */
const validView = fc
  .record({
    infoHash: fc.stringMatching(/^[0-9a-f]{40}$/),
    name: fc.string(),
    length: size,
    downloaded: size,
    uploaded: size,
    progress: fc.double({ min: 0, max: 1, noNaN: true }),
    downloadSpeed: size,
    uploadSpeed: size,
    numPeers: fc.nat(),
    timeRemaining: fc.option(size, { nil: null }),
    done: fc.boolean(),
    hasMetadata: fc.boolean(),
    provenance,
    state: fc.constantFrom(...TORRENT_STATES),
    paused: fc.boolean(),
    savePath: fc.string(),
    addedAt: size,
    ratio: size,
    error: fc.option(fc.string(), { nil: null }),
  })
  .map((view) => ({ ...view, provenance: { ...view.provenance } }))

const oddValue = fc.oneof(
  fc.constantFrom(
    NaN,
    Infinity,
    -Infinity,
    -1,
    -0,
    0.5,
    1.5,
    2 ** 53,
    null,
    undefined,
    '',
    '0',
    true,
    [],
    {},
  ),
  fc.anything(),
)

/** Valid views with one thing changed: a field set to an odd value, removed, or an extra key. */
const nearView = fc.oneof(
  fc
    .tuple(validView, fc.constantFrom(...Object.keys(TorrentViewSchema.shape)), oddValue)
    .map(([view, key, value]) => ({ ...view, [key]: value })),
  fc.tuple(validView, fc.constantFrom(...Object.keys(TorrentViewSchema.shape))).map(([view, key]) => {
    const copy: Record<string, unknown> = { ...view }
    delete copy[key]
    return copy
  }),
  fc.tuple(validView, fc.string(), oddValue).map(([view, key, value]) => ({ ...view, [key]: value })),
  fc
    .tuple(validView, oddValue)
    .map(([view, value]) => ({ ...view, provenance: { ...view.provenance, extra: value } })),
  fc.tuple(validView, oddValue).map(([view, value]) => ({
    ...view,
    provenance: { status: 'signed', publishers: [{ name: 'a', fingerprint: value }] },
  })),
  fc.tuple(validView, fc.constantFrom('held', 'signed', 'bogus')).map(([view, status]) => ({
    ...view,
    provenance: { status, publishers: [], waitingFor: 'nothing' },
  })),
)

describe('the fast check of torrents.list results', () => {
  it('accepts every value the schema accepts unchanged (so the fast path is taken)', () => {
    fc.assert(
      fc.property(fc.array(validView, { maxLength: 5 }), (list) => {
        expect(COMMANDS['torrents.list'].result.parse(list)).toStrictEqual(plainCopy(list))
        expect(FAST_RESULT_CHECKS['torrents.list']?.(list)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('accepts nothing the schema would refuse or change', () => {
    fc.assert(
      fc.property(fc.oneof(nearView, oddValue), (view) => {
        if (!isTorrentView(view)) return
        const parsed = TorrentViewSchema.safeParse(view)
        expect(parsed.success).toBe(true)
        expect(parsed.data).toStrictEqual(plainCopy(view))
      }),
      { numRuns: 3000 },
    )
  })

  it('refuses the near misses zod refuses (and an object with another prototype)', () => {
    const view = fc.sample(validView, { numRuns: 1, seed: 1 })[0]!
    expect(isTorrentView(view)).toBe(true)
    for (const broken of [
      { ...view, progress: 1.01 },
      { ...view, numPeers: 1.5 },
      { ...view, length: NaN },
      { ...view, ratio: Infinity },
      { ...view, infoHash: view.infoHash.toUpperCase() + 'X' },
      { ...view, state: 'stalled' },
      { ...view, extra: 1 },
      { ...view, provenance: { status: 'signed', publishers: [] } },
      Object.assign(Object.create({ inherited: true }) as object, view),
      Object.assign(Object.create(null) as object, view, { extra: 1 }),
    ])
      expect(isTorrentView(broken)).toBe(false)
  })

  it('the dispatcher still catches a list outside the contract, and still strips extra keys', async () => {
    const view = fc.sample(validView, { numRuns: 1, seed: 2 })[0]!
    const dispatch = (result: unknown) =>
      new Dispatcher({ 'torrents.list': () => result } as unknown as Handlers).dispatch({
        command: 'torrents.list',
      })
    expect(await dispatch([view])).toEqual({ ok: true, result: [view] })
    expect(await dispatch([{ ...view, progress: 2 }])).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    })
    expect(await dispatch([{ ...view, secret: 'x' }])).toEqual({ ok: true, result: [view] })
  })
})
