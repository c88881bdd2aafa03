import { execFile } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

const VENV = join(
  process.env.FLOWLINE_CACHE_DIR ?? join(homedir(), '.cache', 'flowline'),
  'schemathesis-venv',
)
const BIN = join(VENV, 'bin', 'schemathesis')

function run(file: string, args: readonly string[], timeoutMs: number, cwd?: string) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 32 << 20, cwd }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, output: `${stdout}${stderr}` })
    })
  })
}

/** Installs schemathesis into a private virtualenv under the Flowline cache the first time (pip, PyPI). */
export async function ensureSchemathesis(log: (line: string) => void): Promise<string> {
  if (existsSync(BIN)) return BIN
  log(`installing schemathesis into ${VENV}`)
  const venv = await run('python3', ['-m', 'venv', VENV], 120_000)
  if (venv.code !== 0) throw new Error(`python3 -m venv failed: ${venv.output}`)
  const pip = await run(join(VENV, 'bin', 'pip'), ['install', '--quiet', 'schemathesis'], 600_000)
  if (pip.code !== 0 || !existsSync(BIN)) throw new Error(`pip install schemathesis failed: ${pip.output}`)
  return BIN
}

export interface FuzzRun {
  readonly passed: boolean
  readonly exitCode: number
  /** The summary and failure lines of its output. */
  readonly digest: string
}

/**
 * `schemathesis run <base>/docs/json --checks not_a_server_error`: property-based requests
 * generated from the OpenAPI document (valid and invalid), failing on any 5xx answer.
 */
export async function fuzzOpenApi(
  base: string,
  maxExamples: number,
  logDir: string,
  name: string,
  log: (line: string) => void,
  headers: Readonly<Record<string, string>> = {},
): Promise<FuzzRun> {
  const bin = await ensureSchemathesis(log)
  const { code, output } = await run(
    bin,
    [
      'run',
      `${base}/docs/json`,
      '--url',
      base,
      ...Object.entries(headers).flatMap(([header, value]) => ['--header', `${header}: ${value}`]),
      '--checks',
      'not_a_server_error',
      '--max-examples',
      String(maxExamples),
      '--seed',
      '6',
      '--workers',
      '2',
      '--generation-database',
      'none',
      '--request-timeout',
      '15',
      '--no-color',
      '--report',
      'junit',
      '--report-dir',
      join(logDir, `schemathesis-${name}`),
    ],
    900_000,
    logDir,
  )
  writeFileSync(join(logDir, `schemathesis-${name}.log`), output)
  const lines = output.split('\n')
  const interesting = lines.filter((line) =>
    /(passed|failed|error|Server error|Failed|Summary|Test cases|Reproduce|curl |^\s*\d+\. |Operations)/i.test(
      line,
    ),
  )
  return { passed: code === 0, exitCode: code, digest: interesting.slice(0, 40).join('\n').trim() }
}
