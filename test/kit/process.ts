/**
 * Child processes for tests: a command whose stdout is read line by line, waited on with bounds,
 * and stopped by its own PID (never by name).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { withTimeout } from './swarm.ts'

export interface ProcessOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** No colours or TTY tricks in captured output. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra }
}

export class LineProcess {
  readonly child: ChildProcess
  readonly lines: string[] = []
  stderr = ''
  readonly exited: Promise<Exit>
  readonly #waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = []

  constructor(command: string, args: string[], options: ProcessOptions = {}) {
    this.child = spawn(command, args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => resolve({ code, signal }))
      this.child.once('error', (error) => {
        this.stderr += `spawn ${command} failed: ${error.message}\n`
        resolve({ code: null, signal: null })
      })
    })
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk))
    if (this.child.stdout) {
      createInterface({ input: this.child.stdout }).on('line', (line) => {
        this.lines.push(line)
        for (const waiter of [...this.#waiters]) {
          if (waiter.match(line)) {
            this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
            waiter.resolve(line)
          }
        }
      })
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** The first stdout line (already seen or still to come) that `match` accepts. */
  line(match: (line: string) => boolean, timeoutMs = 30_000, what = 'an output line'): Promise<string> {
    const seen = this.lines.find(match)
    if (seen !== undefined) return Promise.resolve(seen)
    const waiting = new Promise<string>((resolve) => this.#waiters.push({ match, resolve }))
    const exitedFirst = this.exited.then(({ code, signal }) => {
      throw new Error(`process exited (${code ?? signal}) before ${what}; stderr: ${this.stderr}`)
    })
    return withTimeout(Promise.race([waiting, exitedFirst]), timeoutMs, `${what}; stderr: ${this.stderr}`)
  }

  /** The first stdout line that parses as a JSON object and satisfies `match`. */
  async json<T = Record<string, unknown>>(
    match: (value: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<T> {
    const line = await this.line(
      (candidate) => {
        const value = parseObject(candidate)
        return value !== null && match(value)
      },
      timeoutMs,
      'a matching JSON line',
    )
    return parseObject(line) as T
  }

  /** Stop with `signal` and wait for exit; SIGKILL if it does not exit within `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<Exit> {
    if (!this.running) return this.exited
    this.child.kill(signal)
    try {
      return await withTimeout(this.exited, graceMs, `process ${this.child.pid} to exit after ${signal}`)
    } catch (error) {
      this.child.kill('SIGKILL')
      await this.exited
      throw error
    }
  }
}

function parseObject(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}
