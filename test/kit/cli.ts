/**
 * Run the real `vouch` CLI (bin/vouch.js) in a child process with the project's Node 24, the way
 * a user runs `npx vouch`. Every run is bounded; long-running commands are stopped by PID.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { childEnv, LineProcess } from './process.ts'
import { withTimeout } from './swarm.ts'

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = path.join(PROJECT_ROOT, 'bin', 'vouch.js')
/** The tests themselves run on the pinned Node 24, so the same binary runs the CLI. */
const NODE = process.execPath

/** Discovery off (DHT, LSD, NAT traversal, trackers): the tests name their peers with --peer. */
export const QUIET_FLAGS = ['--no-dht', '--no-lsd', '--no-nat', '--no-tracker']

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
  /** Options for node itself, before the script (e.g. `--import`). */
  nodeArgs?: string[]
  /** Run under `ulimit -n` of this many open files (through /bin/sh, which then execs node). */
  fdLimit?: number
  /** Send stdout to this file instead of a pipe (through /bin/sh, e.g. `/dev/full`). */
  stdoutPath?: string
}

/** The command line that runs `vouch ARGS` as `options` ask. */
function commandLine(args: string[], options: RunOptions): [string, string[]] {
  const node = [...(options.nodeArgs ?? []), options.script ?? BIN, ...args]
  if (options.fdLimit === undefined && options.stdoutPath === undefined) return [NODE, node]
  const limit = options.fdLimit === undefined ? '' : `ulimit -n ${options.fdLimit} && `
  // Single-quoted for the shell, a quote inside as '\''.
  const redirect =
    options.stdoutPath === undefined ? '' : ` > '${options.stdoutPath.replaceAll("'", "'\\''")}'`
  return ['/bin/sh', ['-c', `${limit}exec "$0" "$@"${redirect}`, NODE, ...node]]
}

/** Run `vouch ARGS...` to completion. */
export async function runVouch(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const [command, commandArgs] = commandLine(args, options)
  const child = spawn(command, commandArgs, {
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
export class VouchProcess extends LineProcess {
  constructor(args: string[], options: RunOptions = {}) {
    const [command, commandArgs] = commandLine(args, options)
    super(command, commandArgs, { ...options, cwd: options.cwd ?? PROJECT_ROOT })
  }
}

/** The last line of a `--json` run, parsed; fails naming the exit code and output when it is not JSON. */
export function lastJson(result: CliResult): Record<string, unknown> {
  const line = result.stdout.trim().split('\n').at(-1) ?? ''
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`)
  }
}
