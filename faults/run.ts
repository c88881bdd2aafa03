import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { writeReport } from './lib/report.ts'
import type { ScenarioResult } from './lib/scenario.ts'
import { Suite } from './lib/suite.ts'
import { SCENARIOS } from './scenarios/index.ts'

const USAGE = `Usage: npm run test:faults -- [--scenario N[,M...]]... [--short] [--state-dir DIR] [--keep-services]

Runs the fault-injection suite (issue 6) against private Kafka and PostgreSQL instances that it
starts on free ports under DIR (default /tmp/flowline-faults/<time>) and stops at the end.
Writes faults/results/<time>-<scope>.json and .md. Exit code 1 when a scenario fails.

Scenarios:
${SCENARIOS.map((scenario) => `  ${String(scenario.id).padStart(2)}  ${scenario.title}`).join('\n')}`

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    short: { type: 'boolean', default: false },
    'state-dir': { type: 'string' },
    'keep-services': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}

const wanted = (values.scenario ?? []).flatMap((list) => list.split(',')).map(Number)
const unknown = wanted.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id))
if (unknown.length > 0) {
  process.stderr.write(`unknown scenario ${unknown.join(', ')}\n${USAGE}\n`)
  process.exit(2)
}
const selected = wanted.length > 0 ? SCENARIOS.filter((scenario) => wanted.includes(scenario.id)) : SCENARIOS
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
const stateDir = values['state-dir'] ?? join('/tmp/flowline-faults', stamp)
const log = (line: string) => process.stderr.write(`${line}\n`)

const startedAt = new Date().toISOString()
const suite = await Suite.start({ stateDir, short: values.short ?? false, log })
let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true
    log(`${signal}: stopping the role processes and services of this run`)
    void suite.stop().then(() => process.exit(130))
  })
}

const results: ScenarioResult[] = []
try {
  for (const scenario of selected) {
    if (interrupted) break
    results.push(await suite.runScenario(scenario))
  }
} finally {
  if (!values['keep-services']) await suite.stop()
}

const scope =
  selected.length === SCENARIOS.length ? 'all' : `s${selected.map((scenario) => scenario.id).join('-')}`
const passed = results.length === selected.length && results.every((result) => result.passed)
const files = writeReport(
  new URL('./results', import.meta.url).pathname,
  `${stamp}-${scope}${values.short ? '-short' : ''}`,
  {
    runId: suite.context.runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    short: values.short ?? false,
    host: { cpus: cpus().length, node: process.version },
    logRoot: suite.context.logRoot,
    passed,
    scenarios: results,
  },
)
log(
  `\n${passed ? 'PASS' : 'FAIL'}: ${results.filter((result) => result.passed).length} of ${selected.length} scenarios passed`,
)
log(
  `report: ${files.join(', ')}\nlogs: ${suite.context.logRoot}${values['keep-services'] ? `\nservices left running under ${stateDir}` : ''}`,
)
process.exit(passed ? 0 : 1)
