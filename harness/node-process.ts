import { type ChildProcess, spawn } from 'node:child_process'
import type { WriteStream } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { NODE_FLAGS } from '../src/runtime/node-flags.ts'

const KEEP_CHARS = 20_000

export interface NodeProcessOptions {
  /** Node/V8 flags after Flowline's own (NODE_FLAGS), e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  /** Also append the output here (the last 20 kB are always kept in memory). */
  readonly log?: WriteStream
}

/**
 * `node <args>` with this Node binary (24, which runs .ts) and Flowline's V8 flags first, so
 * what runs here is what users run. Keeps the last 20 kB of its output.
 */
export class NodeProcess {
  readonly name: string
  readonly child: ChildProcess
  /** The exit code (null when killed by a signal), once the process has exited. */
  readonly exited: Promise<number | null>
  #output = ''

  constructor(name: string, args: readonly string[], options: NodeProcessOptions = {}) {
    this.name = name
    this.child = spawn(process.execPath, [...NODE_FLAGS, ...(options.nodeFlags ?? []), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    })
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-KEEP_CHARS)
      options.log?.write(chunk)
    }
    this.child.stdout?.on('data', keep)
    this.child.stderr?.on('data', keep)
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  output(): string {
    return this.#output
  }

  /**
   * Sends `signal` and waits for the exit; SIGKILL after `graceMs`. SIGKILL ends a stopped
   * (SIGSTOP) process where it stands, so it is never continued first: continued, it ran for a
   * moment before the SIGKILL landed in about 1 of 10 tries (test/harness/node-process.test.ts),
   * and a saver frozen at the worst moment (fault scenario 2) could then read its INSERT's answer
   * and commit offsets. Any other signal waits while the process is stopped: it is sent, then the
   * process is continued to handle it.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<number | null> {
    if (this.running) {
      this.child.kill(signal)
      if (signal !== 'SIGKILL') this.child.kill('SIGCONT')
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    try {
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }

  /** SIGKILL, like a crash; waits for the exit. */
  kill(): Promise<number | null> {
    return this.stop('SIGKILL')
  }

  /** SIGSTOP: the process keeps its sockets but runs no code, like a long GC pause or a frozen VM. */
  pause(): void {
    if (this.running) this.child.kill('SIGSTOP')
  }

  resume(): void {
    if (this.running) this.child.kill('SIGCONT')
  }
}

/** Waits until GET `url` answers 200, failing when the process exits or `timeoutMs` passes (then it is killed). */
export async function waitForHttp(proc: NodeProcess, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    if (!proc.running) throw new Error(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.output()}`)
    if (Date.now() > deadline) {
      await proc.kill()
      throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs} ms:\n${proc.output()}`)
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
      await response.arrayBuffer()
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
}
