/**
 * Run the real `vouch` CLI (bin/vouch.js) in a child process with the project's Node 24, the way
 * a user runs `npx vouch`. Every run is bounded; long-running commands are stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { withTimeout } from './swarm.ts'

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = path.join(PROJECT_ROOT, 'bin', 'vouch.js')
/** The tests themselves run on the pinned Node 24, so the same binary runs the CLI. */
const NODE = process.execPath

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  /** Kill the child (SIGKILL) and fail after this long. */
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Run this script instead of bin/vouch.js (e.g. test/kit/engine-process.ts). */
  script?: string
}

function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // No colours or TTY tricks in captured output; never touch the user's real data directory.
  return { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra }
}

/** Run `vouch ARGS...` to completion. */
export async function runVouch(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const child = spawn(NODE, [options.script ?? BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const timeoutMs = options.timeoutMs ?? 30_000
  try {
    const [code, signal] = await withTimeout(
      new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        child.once('error', reject)
        child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]))
      }),
      timeoutMs,
      `vouch ${args.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`,
    )
    return { code, signal, stdout, stderr }
  } finally {
    if (child.exitCode === null && child.signalCode === null && child.pid) child.kill('SIGKILL')
  }
}

/** A long-running `vouch` process (e.g. `seed`) whose stdout is read line by line. */
export class VouchProcess {
  readonly child: ChildProcess
  readonly lines: string[] = []
  stderr = ''
  readonly #waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  constructor(args: string[], options: RunOptions = {}) {
    this.child = spawn(NODE, [options.script ?? BIN, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => resolve({ code, signal })),
    )
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk))
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line)
      for (const waiter of [...this.#waiters]) {
        if (waiter.match(line)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
    })
  }

  /** The first stdout line (already seen or still to come) that `match` accepts. */
  line(match: (line: string) => boolean, timeoutMs = 30_000, what = 'an output line'): Promise<string> {
    const seen = this.lines.find(match)
    if (seen !== undefined) return Promise.resolve(seen)
    const waiting = new Promise<string>((resolve) => this.#waiters.push({ match, resolve }))
    const exitedFirst = this.exited.then(({ code, signal }) => {
      throw new Error(`vouch exited (${code ?? signal}) before ${what}; stderr: ${this.stderr}`)
    })
    return withTimeout(Promise.race([waiting, exitedFirst]), timeoutMs, `${what}; stderr: ${this.stderr}`)
  }

  /** The first stdout line that parses as JSON and satisfies `match`. */
  async json<T = Record<string, unknown>>(
    match: (value: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<T> {
    const parse = (line: string): Record<string, unknown> | null => {
      try {
        const value: unknown = JSON.parse(line)
        return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null
      } catch {
        return null
      }
    }
    const line = await this.line(
      (candidate) => {
        const value = parse(candidate)
        return value !== null && match(value)
      },
      timeoutMs,
      'a matching JSON line',
    )
    return parse(line) as T
  }

  /** Stop with `signal` and wait for exit; SIGKILL if it does not exit within `graceMs`. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    graceMs = 10_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited
    this.child.kill(signal)
    try {
      return await withTimeout(this.exited, graceMs, `vouch to exit after ${signal}`)
    } catch (error) {
      this.child.kill('SIGKILL')
      await this.exited
      throw error
    }
  }
}
