import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The repository root: the deployment checks run the tools on its files. */
export const ROOT = join(import.meta.dirname, '..', '..')

export interface ToolRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Where scripts/deploy/install-tools.sh puts the tools it builds; the others are on the PATH.
 * A missing tool fails the check with the command that installs it.
 */
export function tool(name: string): string {
  if (name === 'helm') {
    const helm = join(process.env.FLOWLINE_TOOLS_DIR ?? '/opt/flowline-tools', 'bin', 'helm')
    if (!existsSync(helm)) throw new Error(`${helm} is missing: run \`bash scripts/deploy/install-tools.sh\``)
    return helm
  }
  return name
}

/** Runs a tool to completion (bounded by `timeoutMs`) and returns its exit code and output. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; input?: string } = {},
): ToolRun {
  const result = spawnSync(tool(command), args, {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
  })
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`)
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Registers work to do when the test or suite ends: `(fn) => t.after(fn)`, or a suite's `after`. */
export type Cleanup = (fn: () => void | Promise<void>) => void

/** A temporary directory removed when the test ends. */
export function tempDir(cleanup: Cleanup | { after: Cleanup }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `flowline-${prefix}-`))
  const register = typeof cleanup === 'function' ? cleanup : (fn: () => void) => cleanup.after(fn)
  register(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10 }))
  return dir
}
