import { describe, expect, it } from 'vitest'
import { canDownloadAnyway, refusalSentence } from '../../../renderer/src/refusal-text.ts'

describe('the refusal dialog’s sentence and override', () => {
  it('says how many valid signatures of how many a below-threshold refusal had', () => {
    const threshold = { group: 'Distro', signed: 1, required: 2, keys: 3 }
    expect(refusalSentence({ code: 'below-threshold', threshold })).toBe(
      "1 valid signature of the 2 required: group 'Distro' needs 2 of its 3 keys to sign each release.",
    )
    expect(
      refusalSentence({ code: 'below-threshold', threshold: { ...threshold, signed: 2, required: 3 } }),
    ).toMatch(/^2 valid signatures of the 3 required/)
  })

  it('falls back to the general below-threshold sentence when the counts are missing', () => {
    expect(refusalSentence({ code: 'below-threshold' })).toBe(
      'Too few keys of the publisher group signed it.',
    )
  })

  it.each(['below-threshold', 'bad-signature', 'mismatch', 'revoked'])(
    'never offers Download anyway for %s',
    (code) => expect(canDownloadAnyway(code)).toBe(false),
  )

  it.each(['unsigned', 'unknown-publisher', 'expired', 'out-of-scope'])(
    'offers Download anyway for %s',
    (code) => expect(canDownloadAnyway(code)).toBe(true),
  )
})
