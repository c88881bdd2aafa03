import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { NODE_FLAGS } from '../../src/runtime/node-flags.ts'
import { freePortRange } from './services.ts'

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname

export type RoleName = 'ingest' | 'saver' | 'admin'

const PORT_FLAG: Record<RoleName, string> = {
  ingest: 'ingest-port',
  saver: 'saver-port',
  admin: 'admin-port',
}

/**
 * One `flowline <role>` process, as users run it. It keeps its port across restarts so that
 * clients reach the new process at the same address, and appends its output to a log file.
 */
export class RoleProcess {
  readonly role: RoleName
  readonly label: string
  readonly port: number
  readonly #flags: Record<string, string | number>
  readonly #logPath: string
  #child: ChildProcess | undefined
  #exited: Promise<void> = Promise.resolve()
  #log: WriteStream | undefined
  #stopping = false
  starts = 0
  /** Extra Node options for the process (e.g. --inspect for the heap probe). */
  execArgv: string[] = []
  /**
   * Called when the process exits without being asked to, after it had started; the harness then
   * plays the supervisor (docker-compose runs the roles with `restart: on-failure`).
   */
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined

  constructor(
    role: RoleName,
    label: string,
    port: number,
    flags: Record<string, string | number>,
    logDir: string,
  ) {
    this.role = role
    this.label = label
    this.port = port
    this.#flags = { ...flags, [PORT_FLAG[role]]: port }
    this.#logPath = join(logDir, `${label}.log`)
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  get logPath(): string {
    return this.#logPath
  }

  /** Spawns the process and waits until /health answers (at most `timeoutMs`). */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error(`${this.label} is already running`)
    this.#log ??= createWriteStream(this.#logPath, { flags: 'a' })
    this.starts += 1
    this.#log.write(`\n==== start #${this.starts} at ${new Date().toISOString()}\n`)
    const args = [
      ...NODE_FLAGS,
      ...this.execArgv,
      MAIN,
      this.role,
      ...Object.entries(this.#flags).flatMap(([flag, value]) => [`--${flag}`, String(value)]),
    ]
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child = child
    this.#stopping = false
    let started = false
    child.stdout?.pipe(this.#log, { end: false })
    child.stderr?.pipe(this.#log, { end: false })
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        resolve()
        if (started && !this.#stopping && this.#child === child) this.onUnexpectedExit?.(code, signal)
      }),
    )
    const deadline = Date.now() + timeoutMs
    while (true) {
      if (!this.running) throw new Error(`${this.label} exited during start; see ${this.#logPath}`)
      if (Date.now() > deadline) {
        await this.kill('SIGKILL')
        throw new Error(`${this.label} did not answer /health within ${timeoutMs} ms; see ${this.#logPath}`)
      }
      try {
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) })
        if (response.ok) {
          started = true
          return
        }
      } catch {
        // not listening yet
      }
      await sleep(100)
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL works on a stopped process too). */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 30_000): Promise<void> {
    this.#stopping = true
    if (!this.running) return
    this.#child?.kill(signal)
    const timedOut = await Promise.race([this.#exited.then(() => false), sleep(timeoutMs).then(() => true)])
    if (timedOut) {
      this.#child?.kill('SIGKILL')
      await this.#exited
    }
  }

  /** SIGSTOP: the process keeps its sockets but runs no code, like a long GC pause or a frozen VM. */
  pause(): void {
    if (this.running) this.#child?.kill('SIGSTOP')
  }

  resume(): void {
    if (this.running) this.#child?.kill('SIGCONT')
  }

  /** Resident memory from /proc/<pid>/status, in KiB; undefined when not running. */
  rssKb(): number | undefined {
    const pid = this.pid
    if (pid === undefined) return undefined
    try {
      const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      return match ? Number(match[1]) : undefined
    } catch {
      return undefined
    }
  }

  /** The Prometheus text of /metrics, or '' when the process does not answer. */
  async metrics(): Promise<string> {
    try {
      const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(3000) })
      return await response.text()
    } catch {
      return ''
    }
  }

  async close(): Promise<void> {
    this.onUnexpectedExit = undefined
    this.resume()
    await this.kill('SIGKILL')
    await new Promise<void>((resolve) => (this.#log ? this.#log.end(resolve) : resolve()))
    this.#log = undefined
  }
}

/** Sum of a counter over all its label sets in a Prometheus text exposition. */
export function metricTotal(text: string, name: string): number {
  let total = 0
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.split(' ').at(-1))
  }
  return total
}

/** A free port for a role (kept for every restart of that role). */
export async function rolePort(): Promise<number> {
  return freePortRange(1)
}
