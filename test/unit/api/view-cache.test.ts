/**
 * torrents.list keeps the view of a torrent whose stats did not change, and the WebSocket
 * transport serialises a kept (frozen) view once; what goes over the wire must stay exactly
 * JSON.stringify of the response, and a changed torrent must show its change at once.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Provenance, TorrentView } from '../../../src/api/contract.ts'
import { isTorrentView } from '../../../src/api/fast-checks.ts'
import { viewOf } from '../../../src/api/service.ts'
import { serializeMessage, TorrentViewCache } from '../../../src/api/view-cache.ts'
import type { TorrentStats } from '../../../src/engine/events.ts'

function stats(index: number, changes: Partial<TorrentStats> = {}): TorrentStats {
  return {
    infoHash: index.toString(16).padStart(40, '0'),
    name: `t${index}.bin`,
    length: 16_384,
    downloaded: 16_384,
    uploaded: 0,
    progress: 1,
    downloadSpeed: 0,
    uploadSpeed: 0,
    numPeers: 0,
    timeRemaining: null,
    done: true,
    paused: false,
    queued: false,
    hasMetadata: true,
    checking: false,
    savePath: '/data',
    addedAt: 1_700_000_000_000 + index,
    ratio: 0,
    error: null,
    ...changes,
  }
}

const UNSIGNED: Provenance = { status: 'unsigned-allowed' }

afterEach(() => vi.restoreAllMocks())

describe('the torrent list’s views', () => {
  it('keeps the same view object while a torrent is unchanged, and shows a change at once', () => {
    const cache = new TorrentViewCache(viewOf)
    const all = [stats(1), stats(2), stats(3)]
    const first = cache.views(all, () => UNSIGNED)
    const second = cache.views(
      all.map((entry) => ({ ...entry })),
      () => UNSIGNED,
    )
    expect(second).toEqual(first)
    second.forEach((view, index) => expect(view, `view ${index}`).toBe(first[index]))

    const paused = cache.views([stats(1), stats(2, { paused: true, uploaded: 5 }), stats(3)], () => UNSIGNED)
    expect(paused[0]).toBe(first[0])
    expect(paused[2]).toBe(first[2])
    expect(paused[1]).not.toBe(first[1])
    expect(paused[1]).toMatchObject({ paused: true, uploaded: 5, state: 'paused' })
    expect(paused[1]).toEqual(viewOf(stats(2, { paused: true, uploaded: 5 }), UNSIGNED))
  })

  it('knows a stats object it has seen by identity, and takes an equal new one in its place', () => {
    const cache = new TorrentViewCache(viewOf)
    const kept = Object.freeze(stats(1))
    const [first] = cache.views([kept], () => UNSIGNED)
    expect(cache.views([kept], () => UNSIGNED)[0]).toBe(first)
    const equal = stats(1)
    expect(cache.views([equal], () => UNSIGNED)[0]).toBe(first)
    expect(cache.views([equal], () => UNSIGNED)[0]).toBe(first)
    const [moved] = cache.views([stats(1, { uploaded: 1 })], () => UNSIGNED)
    expect(moved).not.toBe(first)
    expect(moved).toMatchObject({ uploaded: 1 })
  })

  it('builds a new view when any one stat changes', () => {
    const cache = new TorrentViewCache(viewOf)
    const base = stats(1)
    for (const key of Object.keys(base) as (keyof TorrentStats)[]) {
      const [before] = cache.views([base], () => UNSIGNED)
      const value = base[key]
      const changed =
        typeof value === 'number' ? value + 1 : typeof value === 'boolean' ? !value : `${String(value)}x`
      const [after] = cache.views([{ ...base, [key]: changed }], () => UNSIGNED)
      expect(after, key).not.toBe(before)
    }
  })

  it('builds a new view when the provenance changes, and forgets torrents no longer listed', () => {
    const cache = new TorrentViewCache(viewOf)
    const [before] = cache.views([stats(1)], () => UNSIGNED)
    const signed: Provenance = {
      status: 'signed',
      publishers: [{ name: 'P', fingerprint: 'aaaa-bbbb-cccc-dddd' }],
    }
    const [after] = cache.views([stats(1)], () => signed)
    expect(after).not.toBe(before)
    expect(after?.provenance).toEqual(signed)
    cache.views([stats(2)], () => signed)
    const [again] = cache.views([stats(1)], () => signed)
    expect(again, 'removed, then listed again').not.toBe(after)
    expect(again).toEqual(after)
  })

  it('hands out views frozen all the way down', () => {
    const [view] = new TorrentViewCache(viewOf).views([stats(1)], () => ({
      status: 'signed',
      publishers: [{ name: 'P', fingerprint: 'aaaa-bbbb-cccc-dddd' }],
    }))
    expect(Object.isFrozen(view)).toBe(true)
    expect(Object.isFrozen(view?.provenance)).toBe(true)
    const publishers = view?.provenance.status === 'signed' ? view.provenance.publishers : []
    expect(Object.isFrozen(publishers)).toBe(true)
    expect(Object.isFrozen(publishers[0])).toBe(true)
    // The view is frozen shallowly plus its provenance: that is all the way down only while every
    // other field holds a primitive.
    for (const [key, value] of Object.entries(view ?? {}))
      if (key !== 'provenance') expect(typeof value === 'object' && value !== null, key).toBe(false)
    expect(() => {
      ;(view as { name: string }).name = 'changed'
    }).toThrow(TypeError)
  })
})

describe('serialising a response', () => {
  const json = fc.jsonValue()
  const frozenViews = fc.array(fc.nat(50), { maxLength: 5 }).map((indexes) => {
    const cache = new TorrentViewCache(viewOf)
    return cache.views(
      indexes.map((index) => stats(index)),
      () => UNSIGNED,
    )
  })

  it('is exactly JSON.stringify of the message, for any result', () => {
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.oneof(json, frozenViews, fc.array(fc.oneof(json, frozenViews))),
        (id, result) => {
          const message = { id, ok: true as const, result }
          expect(serializeMessage(message as never)).toBe(JSON.stringify(message))
        },
      ),
    )
    const event = { event: 'torrent.updated', payload: { a: 1 } } as never
    expect(serializeMessage(event)).toBe(JSON.stringify(event))
    const error = {
      id: 3,
      ok: false as const,
      error: { code: 'internal' as const, message: 'x', details: {} },
    }
    expect(serializeMessage(error)).toBe(JSON.stringify(error))
  })

  it('serialises a kept view sent as an update once, and the next list reuses that JSON', () => {
    const cache = new TorrentViewCache(viewOf)
    const view = cache.view(stats(1), UNSIGNED)
    const event = { event: 'torrent.updated' as const, payload: view }
    expect(serializeMessage(event)).toBe(JSON.stringify(event))
    const stringify = vi.spyOn(JSON, 'stringify')
    const list = cache.views([stats(1)], () => UNSIGNED)
    expect(list[0]).toBe(view)
    expect(serializeMessage({ id: 1, ok: true, result: list })).toBe(
      `{"id":1,"ok":true,"result":[${serializeMessage(event).slice('{"event":"torrent.updated","payload":'.length, -1)}]}`,
    )
    expect(stringify.mock.calls.filter(([value]) => value === view)).toEqual([])
    // An open (not frozen) payload, or another event, is serialised as it is.
    const open = { event: 'torrent.updated' as const, payload: viewOf(stats(2), UNSIGNED) }
    expect(serializeMessage(open)).toBe(JSON.stringify(open))
  })

  it('keeps one view per torrent for single updates and lists alike', () => {
    const cache = new TorrentViewCache(viewOf)
    const single = cache.view(stats(1), UNSIGNED)
    expect(cache.view(stats(1), UNSIGNED)).toBe(single)
    expect(cache.views([stats(1), stats(2)], () => UNSIGNED)[0]).toBe(single)
    const moved = cache.view(stats(1, { uploaded: 3 }), UNSIGNED)
    expect(moved).not.toBe(single)
    expect(cache.views([stats(1, { uploaded: 3 })], () => UNSIGNED)[0]).toBe(moved)
    cache.forget(stats(1).infoHash)
    expect(cache.view(stats(1, { uploaded: 3 }), UNSIGNED)).not.toBe(moved)
  })

  it('serialises a kept view once, however many lists it is in', () => {
    const views: TorrentView[] = new TorrentViewCache(viewOf).views([stats(1), stats(2)], () => UNSIGNED)
    const first = serializeMessage({ id: 1, ok: true, result: views })
    const stringify = vi.spyOn(JSON, 'stringify')
    const second = serializeMessage({ id: 2, ok: true, result: views })
    expect(second).toBe(first.replace('"id":1', '"id":2'))
    const ofViews = stringify.mock.calls.filter(([value]) => views.includes(value as TorrentView))
    expect(ofViews, 'views serialised again').toEqual([])
    // The same views in a new list, one of them changed: only that one is new JSON.
    const cache = new TorrentViewCache(viewOf)
    const kept = cache.views([stats(1), stats(2)], () => UNSIGNED)
    serializeMessage({ id: 3, ok: true, result: kept })
    const changed = cache.views([stats(1), stats(2, { uploaded: 9 })], () => UNSIGNED)
    expect(serializeMessage({ id: 4, ok: true, result: changed })).toBe(
      JSON.stringify({ id: 4, ok: true, result: changed }),
    )
  })
})

describe('checking a listed view against the contract', () => {
  it('checks a frozen view once, but an object that can still change every time', () => {
    const open = viewOf(stats(1), { status: 'unsigned-allowed' })
    expect(isTorrentView(open)).toBe(true)
    ;(open as { numPeers: number }).numPeers = -1
    expect(isTorrentView(open), 'changed after it was accepted').toBe(false)

    const provenance = { status: 'unsigned-allowed' } as Provenance
    const shallow = Object.freeze(viewOf(stats(2), provenance))
    expect(isTorrentView(shallow)).toBe(true)
    ;(provenance as { status: string }).status = 'forged'
    expect(isTorrentView(shallow), 'its provenance changed after it was accepted').toBe(false)

    const [kept] = new TorrentViewCache(viewOf).views([stats(3)], () => UNSIGNED)
    expect(isTorrentView(kept)).toBe(true)
    expect(isTorrentView(kept)).toBe(true)
  })
})
