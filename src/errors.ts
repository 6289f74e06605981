/**
 * Every failure Vouch reports is one of these codes. Errors are data: callers switch on `code`,
 * never on message text. The CLI maps codes to exit statuses in one place (src/cli/exit-codes.ts).
 */
export const ERROR_CODES = {
  /** The command line itself is wrong: unknown flag, missing argument. */
  usage: 'usage',
  /** An input file, magnet, key or request is unreadable or malformed. */
  'bad-input': 'bad-input',
  /** The provenance policy refused the torrent (unsigned, unknown publisher, expired, ...). */
  refused: 'refused',
  /** A signature or a hash did not check out: forged, tampered or corrupted data. */
  integrity: 'integrity',
  /** A peer, tracker or socket failed, or nothing happened before the deadline. */
  network: 'network',
  /** A bug or an environment failure Vouch did not anticipate. */
  internal: 'internal',
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export class VouchError extends Error {
  readonly code: ErrorCode
  /** Structured details for --json output and the UI (never secrets). */
  readonly details: Readonly<Record<string, unknown>>

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'VouchError'
    this.code = code
    this.details = details
  }
}

export function isVouchError(value: unknown): value is VouchError {
  return value instanceof VouchError
}

/** Exhaustiveness check for `switch` over a union: a new member fails type checking here. */
export function assertNever(value: never, what = 'value'): never {
  throw new VouchError('internal', `unexpected ${what}: ${JSON.stringify(value)}`)
}
