/**
 * A .torrent file's bytes → the ParsedTorrent that parse-torrent 11 (`decodeTorrentFile`) makes of
 * them, field for field and with its messages, using the bencode decoder directly. parse-torrent
 * loads a fetch implementation at import (node-fetch, ~150 ms here) for remote torrents Vouch never
 * fetches, and every command that reads a .torrent (verify, sign, magnet, create) paid for it.
 * Magnets and bare infohashes still go through parse-torrent (source.ts imports it when needed).
 */
import { createHash } from 'node:crypto'
import path from 'node:path'
import bencode from 'bencode'
import type { ParsedTorrent } from 'parse-torrent'
import type { BencodeDictionary, BencodeValue } from '../provenance/bencode.ts'
import { rememberInfoBytes } from './info-bytes.ts'

const decoder = new TextDecoder()
/** uint8-util's arr2text, as parse-torrent calls it: throws on what is not bytes. */
const text = (value: unknown): string => decoder.decode(value as Uint8Array)
const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

function ensure(condition: unknown, field: string): void {
  if (!condition) throw new Error(`Torrent is missing required field: ${field}`)
}

type Dictionary = Record<string, unknown>

/** Decode a .torrent; throws (as parse-torrent does) on bad bencoding or a missing required field. */
export function decodeTorrentFile(bytes: Uint8Array): ParsedTorrent {
  return parsedFrom(bencode.decode(bytes) as Dictionary, (info) => {
    const infoBuffer = bencode.encode(info) as Uint8Array
    const digest = createHash('sha1').update(infoBuffer).digest()
    return { infoBuffer, infoHashBuffer: new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength) }
  })
}

/**
 * The same ParsedTorrent from the strict reading the provenance gate makes of the bytes anyway
 * (provenance/bencode.ts, with byte spans), instead of a second decode: the info dictionary's bytes
 * as they are in the file and their SHA-1 (`infoHash`, hex) already taken. For a canonical
 * torrent those bytes are exactly what parse-torrent's re-encoding gives, unless a dictionary key
 * is not ASCII (parse-torrent reads keys as UTF-8, a bad one as hex, and sorts them as strings) or
 * an integer is past 2^53: then null, and decodeTorrentFile is the way.
 */
export function parsedFromReading(
  top: BencodeDictionary,
  infoBytes: Uint8Array,
  infoHash: string,
): ParsedTorrent | null {
  const quirks = { proto: false }
  const torrent = plainValue(top, quirks)
  if (torrent === undefined) return null
  // Canonical bytes, read strictly: bencode encodes this info dictionary back to exactly them,
  // unless a '__proto__' key (which assignment drops or turns into a prototype) is in it.
  const info = (torrent as Dictionary).info
  if (!quirks.proto && typeof info === 'object' && info !== null) rememberInfoBytes(info, infoBytes)
  const digest = Buffer.from(infoHash, 'hex')
  const infoHashBuffer = new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
  return parsedFrom(torrent as Dictionary, () => ({ infoBuffer: infoBytes, infoHashBuffer }))
}

/** A strict reading as bencode.decode gives it (dictionaries, numbers, byte strings, lists); undefined when it could differ. */
function plainValue(value: BencodeValue, quirks: { proto: boolean }): unknown {
  switch (value.type) {
    case 'integer': {
      const number = Number(value.value)
      return Number.isSafeInteger(number) ? number : undefined
    }
    case 'bytes':
      return value.value
    case 'list': {
      const items: unknown[] = []
      for (const item of value.items) {
        const plain = plainValue(item, quirks)
        if (plain === undefined) return undefined
        items.push(plain)
      }
      return items
    }
    case 'dictionary': {
      // Assigned as bencode.decode assigns them, quirks of a '__proto__' key included.
      const dictionary: Dictionary = {}
      for (const entry of value.entries) {
        const plain = entry.key.every((byte) => byte < 0x80) ? plainValue(entry.value, quirks) : undefined
        if (plain === undefined) return undefined
        if (entry.name === '__proto__') quirks.proto = true
        dictionary[entry.name] = plain
      }
      return dictionary
    }
  }
}

/** parse-torrent's decodeTorrentFile after the decode; `hashed` gives the info bytes and their SHA-1. */
function parsedFrom(
  torrent: Dictionary,
  hashed: (info: Dictionary) => { infoBuffer: Uint8Array; infoHashBuffer: Uint8Array },
): ParsedTorrent {
  const info = torrent.info as Dictionary | undefined
  ensure(info, 'info')
  if (!info) throw new Error('unreachable')
  ensure(info['name.utf-8'] || info.name, 'info.name')
  ensure(info['piece length'], "info['piece length']")
  ensure(info.pieces, 'info.pieces')
  const entries = info.files as Dictionary[] | undefined
  if (entries) {
    for (const file of entries) {
      ensure(typeof file.length === 'number', 'info.files[0].length')
      ensure(file['path.utf-8'] || file.path, 'info.files[0].path')
    }
  } else {
    ensure(typeof info.length === 'number', 'info.length')
  }

  const { infoBuffer, infoHashBuffer } = hashed(info)
  const name = text(info['name.utf-8'] || info.name)
  const result: ParsedTorrent = {
    info,
    infoBuffer,
    name,
    announce: [],
    infoHashBuffer,
    infoHash: hex(infoHashBuffer),
  }
  if (info.private !== undefined) result.private = !!info.private
  if (torrent['creation date']) result.created = new Date((torrent['creation date'] as number) * 1000)
  if (torrent['created by']) result.createdBy = text(torrent['created by'])
  if (ArrayBuffer.isView(torrent.comment)) result.comment = text(torrent.comment)

  const announce: string[] = []
  const tiers = torrent['announce-list']
  if (Array.isArray(tiers) && tiers.length > 0) {
    for (const urls of tiers as unknown[][]) for (const url of urls) announce.push(text(url))
  } else if (torrent.announce) {
    announce.push(text(torrent.announce))
  }
  let urlList = torrent['url-list']
  // Some clients write url-list as one string, or an empty one.
  if (ArrayBuffer.isView(urlList)) urlList = urlList.byteLength > 0 ? [urlList] : []
  result.announce = [...new Set(announce)]
  result.urlList = [...new Set(((urlList as unknown[] | undefined) ?? []).map(text))]

  let sum = 0
  result.files = (entries ?? [info]).map((file) => {
    const parts = [name, ...[file['path.utf-8'] || file.path || []].flat()].map((part) =>
      ArrayBuffer.isView(part) ? text(part) : (part as string),
    )
    const length = file.length as number
    sum += length
    return {
      path: path.join(path.sep, ...parts).slice(1),
      name: parts[parts.length - 1] ?? '',
      length,
      offset: sum - length,
    }
  })
  result.length = sum
  const last = result.files[result.files.length - 1]
  const pieceLength = info['piece length'] as number
  result.pieceLength = pieceLength
  result.lastPieceLength = (last ? (last.offset + last.length) % pieceLength : 0) || pieceLength
  const pieceBytes = info.pieces as Uint8Array
  const pieces: string[] = []
  for (let offset = 0; offset < pieceBytes.length; offset += 20)
    pieces.push(hex(pieceBytes.slice(offset, offset + 20)))
  result.pieces = pieces
  return result
}
