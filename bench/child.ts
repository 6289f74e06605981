/**
 * Helpers for benches that run the measured client in a child process: spawn it bounded, and read
 * its wall clock and CPU from outside (the kernel's accounting through /usr/bin/time), so nothing in
 * the measured process has to cooperate.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { PROJECT_ROOT } from '../test/kit/cli.ts'
import { tempDir } from '../test/kit/swarm.ts'

export interface ChildRun {
  code: number | null
  stdout: string
  stderr: string
  /** Wall clock of the whole process, from spawn to exit. */
  wallMs: number
  /** User + system CPU of the process and its children, as the kernel counted it. */
  cpuMs: number
  /** The user and the system part of `cpuMs`. */
  userMs: number
  systemMs: number
  /** Peak resident set, KiB. */
  maxRssKiB: number
  /** From spawn to the first byte on stdout (NaN if none). */
  firstOutputMs: number
  /** Bytes written to stdout. */
  stdoutBytes: number
}

/**
 * Run `node ARGS` (the project's Node) under /usr/bin/time; kill it after `timeoutMs`. With
 * VOUCH_BENCH_CPU_PROF=DIR in the environment the child writes a V8 CPU profile into DIR.
 */
export async function runMeasured(
  args: string[],
  options: {
    timeoutMs: number
    env?: NodeJS.ProcessEnv
    /** Another program than node (then no CPU profile). */
    command?: string
    /** Under `ulimit -n` of this many open files. */
    fdLimit?: number
    /** Count stdout's bytes but keep none of them (listings of a million rows). */
    discardStdout?: boolean
  },
): Promise<ChildRun> {
  const dir = await tempDir('vouch-bench-time-')
  const timeFile = path.join(dir, 'time.txt')
  const profile = process.env.VOUCH_BENCH_CPU_PROF
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []
  const timeArgs = ['-o', timeFile, '-f', '%e %U %S %M']
  const program = options.command ? [options.command, ...args] : [process.execPath, ...nodeArgs, ...args]
  const timed = ['/usr/bin/time', ...timeArgs, ...program]
  const [command = '', ...commandArgs] =
    options.fdLimit === undefined
      ? timed
      : ['/bin/sh', '-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, ...timed]
  const child = spawn(command, commandArgs, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let stdoutBytes = 0
  let firstOutputMs = Number.NaN
  const started = performance.now()
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdoutBytes === 0) firstOutputMs = performance.now() - started
    stdoutBytes += chunk.length
    if (!options.discardStdout) stdout += chunk.toString('utf8')
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (exitCode) => resolve(exitCode))
  }).finally(() => clearTimeout(timer))
  const fields = (await readFile(timeFile, 'utf8')).trim().split('\n').pop()?.split(' ').map(Number) ?? []
  const [wall = Number.NaN, user = Number.NaN, system = Number.NaN, rss = Number.NaN] = fields
  return {
    code,
    stdout,
    stderr,
    wallMs: wall * 1000,
    cpuMs: (user + system) * 1000,
    userMs: user * 1000,
    systemMs: system * 1000,
    maxRssKiB: rss,
    firstOutputMs,
    stdoutBytes,
  }
}

/** `--name VALUE` from argv, or undefined. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name)
  return index === -1 ? undefined : argv[index + 1]
}

/** A positive number flag, with its default. */
export function positiveFlag(argv: readonly string[], name: string, fallback: number): number {
  const text = flagValue(argv, name)
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, not '${text}'`)
  return value
}

export const MIB = 1024 * 1024
