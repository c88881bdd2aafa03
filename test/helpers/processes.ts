import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { NODE_FLAGS } from '../../src/runtime/node-flags.ts'

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export interface RoleProcess {
  readonly child: ChildProcess
  readonly output: () => string
  /** Sends a signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/**
 * Starts `flowline <role>` as its own process, as a user would, and waits until its /health
 * answers on `port`. The process is the real CLI; nothing is stubbed.
 */
export async function startRole(
  role: string,
  port: number,
  flags: Record<string, string | number | boolean>,
  env: Record<string, string> = {},
): Promise<RoleProcess> {
  const args = [
    MAIN,
    role,
    ...Object.entries(flags).flatMap(([flag, value]) => {
      if (value === true) return [`--${flag}`]
      if (value === false) return [`--no-${flag}`]
      return [`--${flag}`, String(value)]
    }),
  ]
  const child = spawn(process.execPath, [...NODE_FLAGS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output = (output + chunk).slice(-20_000)
  })
  child.stderr?.on('data', (chunk) => {
    output = (output + chunk).slice(-20_000)
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const deadline = Date.now() + 60_000
  while (true) {
    if (child.exitCode !== null) throw new Error(`flowline ${role} exited with ${child.exitCode}:\n${output}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`flowline ${role} did not answer on port ${port} within 60 s:\n${output}`)
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`)
      if (response.ok) break
    } catch {
      // not listening yet
    }
    await sleep(200)
  }
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}
