import { readFile } from 'node:fs/promises'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isVouchError } from '../../../src/errors.ts'
import {
  defaultRules,
  loadRules,
  parseRules,
  parseRulesText,
  rulesPath,
  saveRules,
} from '../../../src/rules/config.ts'
import { compileLinear, linearRegExpAvailable } from '../../../src/rules/linear-regexp.ts'
import { tempDir } from '../../kit/swarm.ts'

function problemOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (isVouchError(error)) return error.message
    throw error
  }
  throw new Error('expected a bad-input error')
}

describe('rules.json', () => {
  it('defaults are conservative: no client rules, progress-ahead only shadows, long grace and idle windows', () => {
    const rules = defaultRules()
    expect(rules.client).toEqual([])
    expect(rules.progress).toMatchObject({ aheadAction: 'shadow', graceMs: 20_000, maxDownloadRatio: 1.5 })
    expect(rules.multiDial).toMatchObject({
      maxConnections: 8,
      ipv4Prefix: 24,
      ipv6Prefix: 56,
      action: 'ban',
    })
    expect(rules.idle).toMatchObject({ idleMs: 600_000, action: 'strike' })
    expect(rules.strikes.threshold).toBe(3)
  })

  it.each([
    [{ version: 2 }, 'version'],
    [{ version: 1, progress: { aheadAction: 'explode' } }, 'progress.aheadAction'],
    [{ version: 1, multiDial: { maxConnections: 0 } }, 'multiDial.maxConnections'],
    [{ version: 1, unknown: true }, 'unknown'],
    [
      {
        version: 1,
        client: [{ id: 'Bad Id', field: 'peerId', match: 'prefix', pattern: '-XL', action: 'ban' }],
      },
      'client.0.id',
    ],
    [
      { version: 1, client: [{ id: 'x', field: 'name', match: 'prefix', pattern: '-XL', action: 'ban' }] },
      'client.0.field',
    ],
  ])('refuses %j, naming %s', (document, field) => {
    expect(problemOf(() => parseRules(document))).toContain(field)
  })

  it('refuses a regular expression that cannot run in linear time, naming the rule', () => {
    const message = problemOf(() =>
      parseRules({
        version: 1,
        client: [{ id: 'backref', field: 'client', match: 'regex', pattern: '(a)\\1', action: 'ban' }],
      }),
    )
    expect(message).toContain('client.0.pattern')
    expect(message).toContain('linear time')
  })

  it('refuses text that is not JSON', () => {
    expect(problemOf(() => parseRulesText('{ version: 1'))).toContain('not JSON')
  })

  it('saves atomically and loads back; an absent file means the defaults', async () => {
    const home = await tempDir()
    expect((await loadRules(home)).text).toBeNull()
    const text = JSON.stringify({ version: 1, multiDial: { maxConnections: 3 } })
    await saveRules(home, text)
    expect((await loadRules(home)).rules.multiDial.maxConnections).toBe(3)
    expect(await readFile(rulesPath(home), 'utf8')).toBe(`${text}\n`)
    await expect(saveRules(home, '{"version":1,"banMs":-1}')).rejects.toThrow(/banMs/)
    expect((await loadRules(home)).rules.multiDial.maxConnections).toBe(3)
  })
})

describe('linear-time regular expressions', () => {
  it('are available in this Node (V8 linear engine turned on at run time)', () => {
    expect(linearRegExpAvailable()).toBe(true)
  })

  it('match a catastrophic-backtracking pattern against a long hostile name in linear time', () => {
    const compiled = compileLinear('^(a+)+$')
    expect(compiled.ok).toBe(true)
    if (!compiled.ok) return
    const hostile = `${'a'.repeat(200_000)}!`
    const started = performance.now()
    expect(compiled.regexp.test(hostile)).toBe(false)
    // A backtracking engine takes longer than the age of the universe here.
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it.each(['(a)\\1', '(?=a)b', '(?<x>a)\\k<x>'])(
    'refuse %s, which needs backtracking (backreferences, lookahead)',
    (pattern) => {
      expect(compileLinear(pattern).ok).toBe(false)
    },
  )

  it('agree with the backtracking engine on patterns and names both can run (fast-check)', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', 'X', '-')
    const quantified = fc.tuple(atom, fc.constantFrom('', '*', '+', '?', '{1,3}')).map(([a, q]) => a + q)
    const pattern = fc
      .tuple(fc.boolean(), fc.array(quantified, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean())
      .map(
        ([start, parts, alt, end]) =>
          `${start ? '^' : ''}(${parts.join('')}${alt ? '|b-' : ''})${end ? '$' : ''}`,
      )
    const name = fc.string({ unit: fc.constantFrom('a', 'b', 'X', '-', '1', ' '), maxLength: 12 })
    fc.assert(
      fc.property(pattern, name, (source, text) => {
        const linear = compileLinear(source)
        expect(linear.ok).toBe(true)
        if (linear.ok) expect(linear.regexp.test(text)).toBe(new RegExp(source).test(text))
      }),
      { numRuns: 500 },
    )
  })
})
