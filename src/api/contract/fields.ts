/**
 * The field schemas the contract's parts share (an infohash, a fingerprint, a peer address, a
 * rate limit, an uploaded file): defined once so every command and view checks a field the same
 * way. Not part of the contract's exports: contract.ts exports what the UI sees, and these are
 * only its building blocks.
 */
import { z } from 'zod'

export const infoHash = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-character lowercase hex infohash')
/** `1a2b-3c4d-5e6f-7a8b`, as the trust store shows it (dashes and colons optional). */
export const fingerprint = z
  .string()
  .regex(/^[0-9a-fA-F]{4}([-:]?[0-9a-fA-F]{4}){3}$/, 'expected a key fingerprint')
export const peerAddress = z.string().min(3).max(300)
export const nonNegative = z.number().nonnegative()

/** Bytes per second, or null for no limit. */
export const rateLimit = z
  .number()
  .int()
  .min(1)
  .max(10 * 1024 ** 3)
  .nullable()

/** A file the user picked in the browser, sent as its bytes: the back end never reads a path the UI names. */
export const uploadedFile = (maxBase64: number) =>
  z.strictObject({ fileName: z.string().min(1).max(1024), contentBase64: z.base64().max(maxBase64) })
