import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { NODE_FLAGS } from '../../src/runtime/node-flags.ts'
import { type Cleanup, ROOT, run, tempDir } from './deploy-tools.ts'

const MAIN = `${ROOT}/src/main.ts`

/** A role process's metrics endpoint, as `flowline up` lists it ("saver metrics  http://…/metrics"). */
export interface MetricsTarget {
  readonly role: string
  readonly url: URL
}

/** Every `--<role>-port` flag `flowline up` has, so that each role takes a free port. */
function portFlags(): string[] {
  const help = run(process.execPath, [...NODE_FLAGS, MAIN, 'up', '--help']).stdout
  return [...new Set(help.match(/--[a-z-]+-port\b/g) ?? [])]
}

/**
 * Starts every server role in one `flowline up --embedded` process on free ports with a temporary
 * data directory, and returns the metrics endpoint of each. Stopped (SIGTERM) after the test.
 */
export async function startEmbeddedRoles(cleanup: Cleanup): Promise<MetricsTarget[]> {
  const dataDir = tempDir(cleanup, 'deploy-roles')
  const args = [MAIN, 'up', '--embedded', '--no-simulator', '--data-dir', dataDir, '--log-level', 'warn']
  for (const flag of portFlags()) args.push(flag, '0')
  const child = spawn(process.execPath, [...NODE_FLAGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output = (output + chunk).slice(-20_000)
  })
  child.stderr.on('data', (chunk) => {
    output = (output + chunk).slice(-20_000)
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  cleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  })
  const deadline = Date.now() + 60_000
  while (!/running,[^\n]*\n(?: {2}.*\n)+\n/.test(output)) {
    if (child.exitCode !== null) throw new Error(`flowline up exited with ${child.exitCode}:\n${output}`)
    if (Date.now() > deadline) throw new Error(`flowline up did not list its URLs within 60 s:\n${output}`)
    await sleep(100)
  }
  return [...output.matchAll(/^ {2}(\S+) metrics\s+(http:\S+)$/gm)].map(([, role, url]) => ({
    role: role ?? '',
    url: new URL(url ?? ''),
  }))
}

/**
 * The sample names a /metrics page exports, from its `# TYPE` lines: a histogram also exports
 * `_bucket`, `_sum` and `_count`, a summary `_sum` and `_count`. Labelled series that have not been
 * observed yet still have their TYPE line.
 */
export async function exportedNames(url: URL): Promise<Set<string>> {
  const text = await (await fetch(url)).text()
  const names = new Set<string>()
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (!name) continue
    names.add(name)
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix)
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix)
  }
  return names
}
