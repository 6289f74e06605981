import { describe, expect, it } from 'vitest'
import { parsePieceLength } from '../../../src/cli/commands/create.ts'
import { parseSeconds } from '../../../src/cli/commands/get.ts'
import { parsePort } from '../../../src/cli/engine-options.ts'
import { EXIT, exitCodeFor } from '../../../src/cli/exit-codes.ts'
import { ERROR_CODES, isVouchError, type ErrorCode } from '../../../src/errors.ts'

function usageError(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (isVouchError(error) && error.code === 'usage') return error.message
    throw error
  }
  throw new Error('expected a usage error')
}

describe('CLI option parsing', () => {
  it('--port takes 0 to 65535', () => {
    expect(parsePort(undefined)).toBe(0)
    expect(parsePort('0')).toBe(0)
    expect(parsePort('65535')).toBe(65535)
    for (const bad of ['-1', '65536', '1.5', 'abc', '']) {
      expect(
        usageError(() => parsePort(bad)),
        bad,
      ).toMatch(/--port must be a port number/)
    }
  })

  it('--timeout takes a positive number of seconds', () => {
    expect(parseSeconds('2', '--timeout')).toBe(2)
    expect(parseSeconds('0.5', '--timeout')).toBe(0.5)
    for (const bad of ['0', '-3', 'soon', 'Infinity']) {
      expect(
        usageError(() => parseSeconds(bad, '--timeout')),
        bad,
      ).toMatch(/--timeout must be a positive number/)
    }
  })

  it('--piece-length takes a power of two from 16 KiB to 64 MiB', () => {
    expect(parsePieceLength(undefined)).toBeUndefined()
    expect(parsePieceLength('16384')).toBe(16384)
    expect(parsePieceLength(String(64 * 1024 * 1024))).toBe(64 * 1024 * 1024)
    for (const bad of ['8192', '20000', String(128 * 1024 * 1024), 'big']) {
      expect(
        usageError(() => parsePieceLength(bad)),
        bad,
      ).toMatch(/--piece-length must be a power of two/)
    }
  })
})

describe('exit statuses', () => {
  it('map every error code as the CLI contract says', () => {
    const expected: Record<ErrorCode, number> = {
      usage: 1,
      'bad-input': 2,
      refused: 3,
      integrity: 4,
      network: 5,
      internal: 70,
    }
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(exitCodeFor(code), code).toBe(expected[code])
    }
    expect(EXIT.ok).toBe(0)
  })
})
