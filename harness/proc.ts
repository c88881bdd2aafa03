import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

/** Fields after the command name of /proc/<pid>/stat (the name may hold spaces). */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** True when `pid` exists and is not a zombie (PID 1 in a container may reap orphans late). */
export function alive(pid: number): boolean {
  const state = statFields(pid)?.[0]
  return state !== undefined && state !== 'Z' && state !== 'X'
}

/** The command line of `pid` with spaces between its arguments, or '' when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}

/** Waits until every pid has exited (zombies count as exited), bounded by `timeoutMs`. */
export async function waitExited(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (pids.some(alive)) {
    if (Date.now() > deadline) return false
    await sleep(50)
  }
  return true
}

/** Sends `signal` to every pid that still exists. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
}

/** The direct children of a process (PostgreSQL backends of a postmaster). */
export function childrenOf(pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && Number(statFields(Number(entry))?.[1]) === pid) children.push(Number(entry))
  }
  return children
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
  const fields = statFields(pid)
  return fields ? (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS : 0
}

/** CPU seconds of this process's exited and waited-for children (cutime + cstime). */
export function childrenCpuSeconds(): number {
  const fields = statFields('self') ?? []
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS
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
