import { createWriteStream, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { ROLE_NODE_FLAGS } from '../src/runtime/node-flags.ts'
import { credentialEnv } from './credentials.ts'
import { NodeProcess, waitForHttp } from './node-process.ts'
import { freePortRange, HOST } from './ports.ts'
import { memoryOf } from './proc.ts'

const MAIN = new URL('../src/main.ts', import.meta.url).pathname

export type Flags = Readonly<Record<string, string | number | boolean>>

/** The flag that sets the port a role answers /health on. */
const PORT_FLAG: Record<string, string> = {
  ingest: 'ingest-port',
  saver: 'saver-port',
  aggregate: 'aggregate-port',
  'dead-letter-saver': 'dead-letter-saver-port',
  admin: 'admin-port',
  'etl worker': 'etl-port',
  up: 'ingest-port',
}

export interface RoleOptions {
  /** Settings as CLI flags: `true` → --flag, `false` → --no-flag. */
  readonly flags?: Flags
  /** The /health port (kept across restarts); a free one when not given. */
  readonly port?: number
  /** Names the log file and the process in messages; defaults to the role. */
  readonly label?: string
  /** Append every start's output to `<logDir>/<label>.log`. */
  readonly logDir?: string
  readonly nodeFlags?: readonly string[]
  /** Write a V8 CPU profile at exit into this directory. */
  readonly cpuProfDir?: string
  readonly startTimeoutMs?: number
  /** Extra environment variables (e.g. secrets passed as `*_FILE`), on top of this process's. */
  readonly env?: Readonly<Record<string, string>>
}

export function flagArgs(flags: Flags): string[] {
  return Object.entries(flags).flatMap(([flag, value]) => {
    if (value === true) return [`--${flag}`]
    if (value === false) return [`--no-${flag}`]
    return [`--${flag}`, String(value)]
  })
}

/**
 * One `flowline <role>` process, as users run it (the real CLI, nothing stubbed). It can be
 * started again after a stop or kill, on the same port, so clients find the new process.
 */
export class RoleProcess {
  readonly role: string
  readonly label: string
  readonly port: number
  readonly options: RoleOptions
  /** Extra Node options for the next start (e.g. --inspect for a heap probe). */
  execArgv: string[] = []
  starts = 0
  /**
   * Called when the process exits without being asked to, after it had started (a fault run
   * then plays the supervisor, like `restart: on-failure`).
   */
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined
  #process: NodeProcess | undefined
  #log: WriteStream | undefined
  #stopping = false

  constructor(role: string, port: number, options: RoleOptions = {}) {
    this.role = role
    this.port = port
    this.label = options.label ?? role
    this.options = options
  }

  get url(): string {
    return `http://${HOST}:${this.port}`
  }

  get running(): boolean {
    return this.#process?.running ?? false
  }

  get pid(): number | undefined {
    return this.running ? this.#process?.pid : undefined
  }

  /** The process of the latest start. */
  get process(): NodeProcess | undefined {
    return this.#process
  }

  get logPath(): string | undefined {
    return this.options.logDir ? join(this.options.logDir, `${this.label}.log`) : undefined
  }

  /** The last 20 kB of the latest start's output. */
  output(): string {
    return this.#process?.output() ?? ''
  }

  /** Spawns the process and waits until /health answers. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.label} is already running`)
    this.starts += 1
    if (this.logPath) {
      this.#log ??= createWriteStream(this.logPath, { flags: 'a' })
      this.#log.write(`\n==== start #${this.starts} at ${new Date().toISOString()}\n`)
    }
    const { flags = {}, cpuProfDir } = this.options
    // After NODE_FLAGS (NodeProcess puts those first): the last value of a repeated V8 flag wins.
    const nodeFlags = [
      ...(ROLE_NODE_FLAGS[this.role] ?? []),
      ...(this.options.nodeFlags ?? []),
      ...this.execArgv,
    ]
    if (cpuProfDir)
      nodeFlags.push(
        '--cpu-prof',
        `--cpu-prof-dir=${cpuProfDir}`,
        `--cpu-prof-name=${this.label}-${Date.now()}.cpuprofile`,
      )
    const portFlag = PORT_FLAG[this.role]
    // A role with a sub-command (`etl worker`) is two arguments.
    const args = [
      MAIN,
      ...this.role.split(' '),
      ...flagArgs({ ...flags, ...(portFlag ? { [portFlag]: this.port } : {}) }),
    ]
    const proc = new NodeProcess(this.label, args, {
      nodeFlags,
      log: this.#log,
      env: { ...process.env, ...credentialEnv, ...this.options.env },
    })
    this.#process = proc
    this.#stopping = false
    let started = false
    void proc.exited.then(() => {
      if (started && !this.#stopping && this.#process === proc)
        this.onUnexpectedExit?.(proc.child.exitCode, proc.child.signalCode)
    })
    await waitForHttp(proc, `${this.url}/health`, this.options.startTimeoutMs ?? 90_000)
    started = true
  }

  /** Sends `signal` (SIGTERM: a graceful stop) and waits for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<number | null> {
    this.#stopping = true
    return (await this.#process?.stop(signal, graceMs)) ?? null
  }

  /** SIGKILL, like a crash. */
  kill(): Promise<number | null> {
    return this.stop('SIGKILL')
  }

  pause(): void {
    this.#process?.pause()
  }

  resume(): void {
    this.#process?.resume()
  }

  /** Resident memory in KiB; undefined when not running. */
  rssKb(): number | undefined {
    const pid = this.pid
    return pid === undefined ? undefined : memoryOf(pid)?.rssKb
  }

  /** The Prometheus text of its /metrics, or '' when it does not answer (it may be down on purpose). */
  async metrics(): Promise<string> {
    try {
      const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(3000) })
      return await response.text()
    } catch {
      return ''
    }
  }

  /** Kills the process (if running) and closes its log. */
  async close(): Promise<void> {
    this.onUnexpectedExit = undefined
    await this.kill()
    await new Promise<void>((resolve) => (this.#log ? this.#log.end(resolve) : resolve()))
    this.#log = undefined
  }
}

/** The ports `up` opens besides ingest's, each of which must not meet another run's. */
const UP_SIDE_PORT_FLAGS = [
  'admin-port',
  'saver-port',
  'aggregate-port',
  'dead-letter-saver-port',
  'etl-port',
]

/**
 * A RoleProcess on `options.port` or a free port outside the low ephemeral range, not started yet.
 * `up` also gets free ports for the roles it runs besides ingest, unless its flags name them.
 */
export async function createRole(role: string, options: RoleOptions = {}): Promise<RoleProcess> {
  const port = options.port ?? (await freePortRange(1))
  if (role !== 'up') return new RoleProcess(role, port, options)
  const flags: Record<string, string | number | boolean> = { ...options.flags }
  for (const flag of UP_SIDE_PORT_FLAGS) flags[flag] ??= await freePortRange(1, new Set([port]))
  return new RoleProcess(role, port, { ...options, flags })
}

/** Starts `flowline <role>` with its settings and waits until it answers /health. */
export async function startRole(role: string, options: RoleOptions = {}): Promise<RoleProcess> {
  const process = await createRole(role, options)
  await process.start()
  return process
}
