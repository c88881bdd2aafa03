/**
 * `npm run bench` — Flowline end to end on real Kafka and PostgreSQL, beside the machine's own
 * ceilings measured in the same run. `npm run bench -- --help` lists the options.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { SETTINGS } from '../src/config/settings.ts'
import { NODE_FLAGS, ROLE_NODE_FLAGS } from '../src/runtime/node-flags.ts'
import { machineInfo, versions } from './lib/machine.ts'
import { parseOptions } from './lib/options.ts'
import { buildReport, writeReport } from './lib/report.ts'
import { BenchServices } from './lib/services.ts'
import { type RunResult, runSuite, warmUpServices } from './lib/suite.ts'
import { wrkAvailable } from './lib/wrk.ts'

/** The settings that shape throughput, as Flowline defines their defaults today (each role runs with them). */
function flowlineDefaults(): Record<string, unknown> {
  const keys = [
    'partitions',
    'saverBatchSize',
    'saverBatchWaitMs',
    'produceBatchRecords',
    'produceLingerMs',
    'saverReadAhead',
    'saverConsumers',
    'maxInFlightRecords',
    'produceTimeoutMs',
  ]
  return Object.fromEntries(
    SETTINGS.filter((s) => keys.includes(s.key)).map((s) => [`--${s.flag}`, s.default]),
  )
}

const options = parseOptions(process.argv.slice(2))
const startedAt = new Date().toISOString()
const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const services = new BenchServices({
  stateDir: options.stateDir,
  kafkaPort: options.kafkaPort,
  controllerPort: options.controllerPort,
  pgPort: options.pgPort,
  databaseLocale: options.pgLocale,
})
const cpuProfDir = options.cpuProf ? join(options.out, 'profiles') : undefined
if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true })
const context = {
  services,
  tag: `b${Date.now().toString(36)}`,
  cpuProfDir,
  ingestFlags: options.ingestFlags,
  saverFlags: options.saverFlags,
  aggregateFlags: options.aggregateFlags,
  ingestNodeFlags: options.ingestNodeFlags,
  saverNodeFlags: options.saverNodeFlags,
  log,
}

log(
  `starting private Kafka on ${services.kafkaBrokers} and PostgreSQL on port ${options.pgPort} (${options.stateDir})`,
)
await services.up()
const runs: RunResult[] = []
let exitCode = 0
try {
  await warmUpServices(context, options)
  for (let index = 0; index < options.runs; index++) {
    log(`run ${index + 1} of ${options.runs}`)
    runs.push(await runSuite(context, options, index))
    if (Object.keys(runs.at(-1)?.errors ?? {}).length > 0) exitCode = 1
  }
} finally {
  const report = buildReport(
    options,
    machineInfo(),
    await versions(services).catch(() => ({})),
    {
      durationS: options.durationS,
      warmupS: options.warmupS,
      ceilingDurationS: options.ceilingDurationS,
      parts: options.only,
      singleTool: options.singleTool === 'auto' ? (wrkAvailable() ? 'wrk' : 'node') : options.singleTool,
      latencyBatch: options.latencyBatch,
      latencyRates: options.latencyRates,
      scaling: options.scaling,
      kafkaRecords: options.kafkaRecords,
      pgRows: options.pgRows,
      outage: options.outage,
      flowlineDefaults: flowlineDefaults(),
      nodeFlags: NODE_FLAGS,
      // A role's own flags replace the NODE_FLAGS of the same name (src/runtime/node-flags.ts).
      roleNodeFlags: ROLE_NODE_FLAGS,
      ingestFlags: options.ingestFlags,
      saverFlags: options.saverFlags,
      aggregateFlags: options.aggregateFlags,
      ingestNodeFlags: options.ingestNodeFlags,
      saverNodeFlags: options.saverNodeFlags,
      cpuProf: options.cpuProf,
      ...(options.pgLocale !== undefined && { pgLocale: options.pgLocale }),
    },
    runs,
    startedAt,
  )
  const paths = writeReport(options.out, report)
  log(`results: ${paths.markdown} and ${paths.json}`)
  if (!options.keepServices) {
    log('stopping the private services')
    await services.down().catch((error: Error) => log(`services down failed: ${error.message}`))
  }
}
process.exitCode = exitCode
