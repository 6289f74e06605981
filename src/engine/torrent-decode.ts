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
  const torrent = bencode.decode(bytes) as Dictionary
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

  const infoBuffer = bencode.encode(info) as Uint8Array
  const digest = createHash('sha1').update(infoBuffer).digest()
  const infoHashBuffer = new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
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
