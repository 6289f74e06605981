/**
 * Ban and lift hooks (rules.json `hooks`): a command run for each ban of one address and each
 * lift, with the address, reason, torrent and expiry as separate arguments after the configured
 * ones. It is spawned directly, never through a shell, so nothing in those values is interpreted,
 * and killed (SIGKILL, with everything it started: it runs in its own process group) after
 * `timeoutMs`. Runs are bounded: at most MAX_RUNNING at once and MAX_QUEUED waiting (an import of
 * many ranges runs no hook: ranges are not one address).
 */
import { spawn } from 'node:child_process'
import type { Ban } from '../defence/ban-store.ts'
import type { Rules } from './config.ts'

export const MAX_RUNNING = 4
export const MAX_QUEUED = 256

export interface HookRun {
  event: 'ban' | 'lift'
  argv: string[]
  outcome: 'ok' | 'failed' | 'timed-out' | 'dropped'
  message: string
}

export class BanHooks {
  readonly #hooks: Rules['hooks']
  readonly #onRun: (run: HookRun) => void
  readonly #queue: { event: HookRun['event']; command: string; argv: string[] }[] = []
  #running = 0
  #idle: (() => void)[] = []

  constructor(hooks: Rules['hooks'], onRun: (run: HookRun) => void = () => undefined) {
    this.#hooks = hooks
    this.#onRun = onRun
  }

  /** A ban was added: run `onBan` with address, reason, torrent (or `-`) and expiry (ISO, or `permanent`). */
  banned(ban: Ban): void {
    const hook = this.#hooks.onBan
    if (!hook || ban.rangeEnd !== null || ban.address.includes('/')) return
    const torrent = ban.rule?.infoHash ?? ban.evidence?.infoHash ?? '-'
    const expiry = ban.expiresAt === null ? 'permanent' : new Date(ban.expiresAt).toISOString()
    this.#enqueue('ban', hook.command, [...hook.args, ban.address, ban.reason, torrent, expiry])
  }

  /** Bans on an address were lifted: run `onLift` with address, `lifted`, `-`, `-`. */
  lifted(address: string): void {
    const hook = this.#hooks.onLift
    if (hook) this.#enqueue('lift', hook.command, [...hook.args, address, 'lifted', '-', '-'])
  }

  /** Resolves when no hook is running or waiting. */
  settled(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #enqueue(event: HookRun['event'], command: string, argv: string[]): void {
    if (this.#queue.length >= MAX_QUEUED) {
      this.#onRun({ event, argv, outcome: 'dropped', message: `more than ${MAX_QUEUED} hooks waiting` })
      return
    }
    this.#queue.push({ event, command, argv })
    this.#next()
  }

  #next(): void {
    while (this.#running < MAX_RUNNING) {
      const job = this.#queue.shift()
      if (!job) break
      this.#running++
      let timedOut = false
      let finished = false
      // Its own process group, so the kill reaches what the hook started too (a script's `sleep`).
      const child = spawn(job.command, job.argv, {
        shell: false,
        detached: true,
        stdio: 'ignore',
        windowsHide: true,
      })
      const timer = setTimeout(() => {
        timedOut = true
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
        } catch {
          child.kill('SIGKILL')
        }
      }, this.#hooks.timeoutMs)
      const finish = (failure: string | null) => {
        if (finished) return
        finished = true
        clearTimeout(timer)
        this.#running--
        this.#onRun({
          event: job.event,
          argv: job.argv,
          outcome: timedOut ? 'timed-out' : failure === null ? 'ok' : 'failed',
          message: timedOut
            ? `${job.command} was killed after ${this.#hooks.timeoutMs} ms`
            : failure === null
              ? `${job.command} ran`
              : `${job.command} failed: ${failure}`,
        })
        this.#next()
        if (this.#running === 0 && this.#queue.length === 0)
          for (const resolve of this.#idle.splice(0)) resolve()
      }
      child.once('error', (error) => finish(error.message))
      child.once('exit', (code, signal) =>
        finish(code === 0 ? null : signal ? `killed by ${signal}` : `exit status ${code}`),
      )
    }
  }
}
