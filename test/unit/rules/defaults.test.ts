import { execFileSync } from 'node:child_process'
import { symlink, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { MAX_RULES_TEXT } from '../../../src/api/contract.ts'
import { isVouchError } from '../../../src/errors.ts'
import { loadRules, RULES_VERSION, RulesSchema } from '../../../src/rules/config.ts'
import { defaultRules, MAX_RULES_FILE_BYTES, openRules, rulesPath } from '../../../src/rules/defaults.ts'
import { tempDir } from '../../kit/swarm.ts'

describe('the rules without a rules.json (no zod on the get path)', () => {
  it('are exactly what the schema fills in for an empty rules file', () => {
    expect(defaultRules()).toStrictEqual(RulesSchema.parse({ version: RULES_VERSION }))
  })

  it('are a fresh object each time (a caller may change its copy)', () => {
    const first = defaultRules()
    first.multiDial.exempt.push('10.0.0.0/8')
    expect(defaultRules().multiDial.exempt).toEqual([])
  })

  it('openRules gives the defaults without a file, the validated file when there is one', async () => {
    const home = await tempDir('vouch-rules-open-')
    expect(await openRules(home)).toStrictEqual(defaultRules())
    await writeFile(rulesPath(home), JSON.stringify({ version: 1, banMs: 5000, strikes: { threshold: 7 } }))
    const rules = await openRules(home)
    expect(rules.banMs).toBe(5000)
    expect(rules.strikes).toEqual({ threshold: 7, halfLifeMs: 30 * 60 * 1000 })
  })

  it('openRules refuses a malformed file, naming the field', async () => {
    const home = await tempDir('vouch-rules-open-')
    await writeFile(rulesPath(home), JSON.stringify({ version: 1, banMs: 'soon' }))
    const error = await openRules(home).catch((caught: unknown) => caught)
    expect(isVouchError(error) && error.code).toBe('bad-input')
    expect((error as Error).message).toMatch(/banMs/)
  })

  const hostile: [string, (file: string) => Promise<unknown>, RegExp][] = [
    [
      'huge',
      (file) => writeFile(file, `{"version": 1}${' '.repeat(MAX_RULES_FILE_BYTES)}`),
      /is larger than 1048576 bytes, the limit for a rules file/,
    ],
    ['a FIFO', async (file) => execFileSync('mkfifo', [file]), /is a FIFO, not a rules file/],
    ['/dev/zero', (file) => symlink('/dev/zero', file), /is a device, not a rules file/],
  ]
  it.each(hostile)(
    'openRules and loadRules refuse a rules.json that is %s, naming it',
    async (_what, make, message) => {
      const home = await tempDir('vouch-rules-hostile-')
      await make(rulesPath(home))
      for (const open of [openRules, loadRules]) {
        const error = await open(home).catch((caught: unknown) => caught)
        expect(isVouchError(error) && error.code).toBe('bad-input')
        expect((error as Error).message).toContain(rulesPath(home))
        expect((error as Error).message).toMatch(message)
      }
    },
  )

  it('reads back the largest rules text the API saves', () => {
    // Saved with a newline; a UTF-16 code unit is at most 3 bytes of UTF-8.
    expect(MAX_RULES_TEXT * 3 + 1).toBeLessThanOrEqual(MAX_RULES_FILE_BYTES)
  })
})
