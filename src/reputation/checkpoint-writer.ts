/**
 * `vouch serve --checkpoint-dir DIR --checkpoint-every 1h`: signed checkpoints of the audit chain
 * written periodically into a directory that should live elsewhere (another disk, a write-once
 * mount, a synced folder). Each file is new (`wx`): nothing already written is ever replaced.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { VouchError } from '../errors.ts'
import type { SecretKey } from '../provenance/keys.ts'
import { verifyAuditLog } from './audit-log.ts'
import { GENESIS_HASH } from './audit-chain.ts'
import { signCheckpoint, type Checkpoint } from './audit-checkpoint.ts'
import type { ReputationStore } from './store.ts'

/** The chain's current head as a checkpoint; throws VouchError('integrity') when the log is broken. */
export function currentCheckpoint(store: ReputationStore): Checkpoint {
  store.flush()
  const result = verifyAuditLog(store.database)
  if (!result.ok)
    throw new VouchError('integrity', `audit log broken: ${result.message}`, { badSeq: result.badSeq })
  return result.head
    ? { size: result.head.seq, headHash: result.head.hash }
    : { size: 0, headHash: GENESIS_HASH }
}

/** Writes `audit-<size>-<time>.checkpoint` (a new file) and returns its path. */
export async function writeCheckpointFile(
  dir: string,
  checkpoint: Checkpoint,
  key: SecretKey,
  now = new Date(),
): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  const file = path.join(dir, `audit-${checkpoint.size}-${stamp}.checkpoint`)
  await writeFile(file, signCheckpoint(checkpoint, key), { flag: 'wx', mode: 0o600 })
  return file
}

/** `90s`, `30m`, `1h`, `1d` → ms; null when malformed. At least one second. */
export function parseInterval(text: string): number | null {
  const match = /^(\d{1,9})(s|m|h|d)$/.exec(text.trim())
  if (!match) return null
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd']
  const ms = Number(match[1]) * unit
  return ms >= 1000 ? ms : null
}

export interface CheckpointSchedule {
  stop(): void
}

/**
 * Write one checkpoint now and one every `everyMs` after, skipping a tick when no event was added
 * since the last one. Failures (a broken log, a full disk) go to `onError` and do not stop it.
 */
export function scheduleCheckpoints(options: {
  store: ReputationStore
  dir: string
  key: SecretKey
  everyMs: number
  onWritten?: (file: string, checkpoint: Checkpoint) => void
  onError: (error: unknown) => void
}): CheckpointSchedule {
  let lastSize = -1
  let running = false
  const tick = async () => {
    if (running || options.store.closed) return
    running = true
    try {
      const checkpoint = currentCheckpoint(options.store)
      if (checkpoint.size === lastSize) return
      const file = await writeCheckpointFile(options.dir, checkpoint, options.key)
      lastSize = checkpoint.size
      options.onWritten?.(file, checkpoint)
    } catch (error) {
      options.onError(error)
    } finally {
      running = false
    }
  }
  void tick()
  const timer = setInterval(() => void tick(), options.everyMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
