import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { NODE_FLAGS } from '../../src/runtime/node-flags.ts'

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

// One definition of a free loopback port for tests and benchmarks alike.
export { freePort } from '../../test/helpers/processes.ts'

export interface BenchProcess {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  output(): string
  /** Sends a signal and waits (bounded) for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>
}

/**
 * Spawns `node <args>` with this Node binary (24, which runs .ts) and keeps the last 20 kB of its
 * output. Flowline's own V8 flags come first, so what runs here is what users run.
 */
export function spawnNode(
  name: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): BenchProcess {
  const child = spawn(process.execPath, [...NODE_FLAGS, ...nodeFlags, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    name,
    pid: child.pid ?? -1,
    child,
    exited,
    output: () => output,
    async stop(signal = 'SIGTERM', graceMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      try {
        return await exited
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

/** Waits until GET `url` answers 200, failing when the process exits or `timeoutMs` passes. */
export async function waitForHttp(proc: BenchProcess, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    if (proc.child.exitCode !== null)
      throw new Error(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.output()}`)
    if (Date.now() > deadline) {
      await proc.stop('SIGKILL')
      throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs} ms:\n${proc.output()}`)
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
      await response.arrayBuffer()
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await sleep(200)
  }
}

export interface RoleOptions {
  /** Directory for a V8 CPU profile written at exit (`--cpu-prof`), or none. */
  readonly cpuProfDir?: string
  /** Node/V8 flags, e.g. --max-semi-space-size=8. */
  readonly nodeFlags?: readonly string[]
}

/** Starts `flowline <role>` as its own process, as a user would, and waits for its /health on `port`. */
export async function startRole(
  name: string,
  role: string,
  port: number,
  flags: Readonly<Record<string, string | number | boolean>>,
  options: RoleOptions = {},
): Promise<BenchProcess> {
  const args = [MAIN, role]
  for (const [flag, value] of Object.entries(flags)) {
    if (value === true) args.push(`--${flag}`)
    else if (value === false) args.push(`--no-${flag}`)
    else args.push(`--${flag}`, String(value))
  }
  const nodeFlags = [...(options.nodeFlags ?? [])]
  if (options.cpuProfDir)
    nodeFlags.push(
      '--cpu-prof',
      `--cpu-prof-dir=${options.cpuProfDir}`,
      `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
    )
  const proc = spawnNode(name, args, nodeFlags)
  await waitForHttp(proc, `http://127.0.0.1:${port}/health`)
  return proc
}

/**
 * Resident memory now, its anonymous part (heap, buffers: what the process itself allocated, not
 * the Node binary's file-backed pages) and the high-water mark, from /proc (kB).
 */
export function memoryOf(pid: number): { rssKb: number; anonKb: number; hwmKb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0)
    return { rssKb: field('VmRSS'), anonKb: field('RssAnon'), hwmKb: field('VmHWM') }
  } catch {
    return undefined
  }
}

/** CPU time a process has used (user + system), in seconds; 0 once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
  } catch {
    return 0
  }
}

/** CPU seconds of this process's exited and waited-for children (cutime + cstime). */
export function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS
}

/** The direct children of a process (PostgreSQL backends of a postmaster). */
export function childrenOf(pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry))
    } catch {
      // exited while we looked
    }
  }
  return children
}

/** Busy and total CPU seconds of the whole machine, summed over its cores, from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  const ticks = line.trim().split(/\s+/).slice(1).map(Number)
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0)
  const total = ticks.reduce((sum, value) => sum + value, 0)
  return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS }
}

export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number)
  return [one ?? 0, five ?? 0, fifteen ?? 0]
}
