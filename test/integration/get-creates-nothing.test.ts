import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { QUIET_FLAGS, runVouch } from '../kit/cli.ts'
import { makeFolderPayload, nextLoopbackAddress, tempDir } from '../kit/swarm.ts'

describe('a download that receives nothing', () => {
  it('leaves no file behind: the start-up check only reads, and only a write creates a file', async () => {
    // Tiny files many to a piece, and one larger than SMALL_FILE (read through the descriptor pool).
    const sizes: Record<string, number> = { 'big.bin': 300_000 }
    for (let index = 0; index < 200; index++) sizes[`f${index}.bin`] = 1 + (index % 97)
    const payload = await makeFolderPayload(sizes, { pieceLength: 16 * 1024 })
    const out = await tempDir('vouch-out-')
    const home = await tempDir('vouch-home-')
    // Nobody listens on port 1: no piece ever arrives.
    const got = await runVouch(
      [
        '--json',
        '--home',
        home,
        'get',
        payload.torrentPath,
        '--out',
        out,
        '--peer',
        `${nextLoopbackAddress()}:1`,
        '--allow-unsigned',
        '--timeout',
        '2',
        ...QUIET_FLAGS,
      ],
      { timeoutMs: 30_000 },
    )
    expect(JSON.parse(got.stdout.trim()), got.stderr).toMatchObject({ ok: false, error: { code: 'network' } })
    expect(await readdir(out, { recursive: true })).toEqual([])
  })
})
