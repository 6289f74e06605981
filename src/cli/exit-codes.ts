import { assertNever, type ErrorCode } from '../errors.ts'

/** The CLI contract's exit statuses (../shared/design.md, "CLI contract"). */
export const EXIT = {
  ok: 0,
  usage: 1,
  badInput: 2,
  refused: 3,
  integrity: 4,
  network: 5,
  internal: 70,
} as const

/** The one place error codes become exit statuses. */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'usage':
      return EXIT.usage
    case 'bad-input':
      return EXIT.badInput
    case 'refused':
      return EXIT.refused
    case 'integrity':
      return EXIT.integrity
    case 'network':
      return EXIT.network
    case 'internal':
      return EXIT.internal
    default:
      return assertNever(code, 'error code')
  }
}
