#!/usr/bin/env node
import { Command } from 'commander'
import { provisionLocalAdmin, provisionSimulatorToken } from './auth/local-access.ts'
import { addCredentialCommands } from './cli/credential-commands.ts'
import { addDeadLettersCommand } from './cli/dead-letters-command.ts'
import { registerEtlCommands } from './cli/etl-commands.ts'
import { addSettings } from './cli/options.ts'
import { type Config, ConfigError, loadConfig } from './config/config.ts'
import type { Role } from './config/settings.ts'
import { checkInventory, formatInventoryCheck } from './inventory/inventory-check.ts'
import { createLogger } from './observability/logger.ts'
import { createMetrics } from './observability/metrics.ts'
import { formatReport, runDoctor } from './operations/doctor.ts'
import { formatJourney, type JourneyAnswer } from './operations/journey-report.ts'
import { runMigrate } from './operations/migrate.ts'
import { formatTopics, runTopics } from './operations/topics.ts'
import { runInventoryScenario } from './roles/simulator/inventory-scenario.ts'
import { simulatedSensorIds } from './roles/simulator/simulator.ts'
import { createStorage } from './runtime/composition.ts'
import { onShutdownSignal } from './runtime/shutdown.ts'
import { type ServerRole, simulate, startPipeline } from './runtime/start-roles.ts'
import type { Storage } from './storage/storage.ts'
import { toStorageError } from './storage/storage-errors.ts'

const program = new Command('flowline')
  .description(
    'Event-streaming sensor pipeline: simulator → ingest API → Kafka `temperatures` → saver → PostgreSQL → admin API.\n' +
      'Every setting is a flag or an environment variable; `flowline <command> --help` lists them.',
  )
  .showHelpAfterError()

function config(role: Role, flags: Record<string, unknown>) {
  try {
    return loadConfig(flags, process.env, role)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`flowline ${role}: ${error.message}\n`)
      process.exit(2)
    }
    throw error
  }
}

async function serve(
  role: Role,
  roles: readonly ServerRole[],
  flags: Record<string, unknown>,
): Promise<void> {
  const settings = config(role, flags)
  let pipeline: Awaited<ReturnType<typeof startPipeline>>
  try {
    // `up` runs the aggregator inside its saver; `--no-inline-aggregator` runs it as a role of its
    // own, `--no-aggregator` leaves it out.
    const ownAggregator = role !== 'up' || (settings.aggregator && !settings.inlineAggregator)
    const started = ownAggregator ? roles : roles.filter((name) => name !== 'aggregate')
    const inline = settings.inlineAggregator && (role !== 'up' || settings.aggregator)
    pipeline = await startPipeline({ ...settings, inlineAggregator: inline }, started, role)
  } catch (error) {
    const causes =
      error instanceof AggregateError ? error.errors.map((cause: Error) => cause.message).join('; ') : ''
    process.stderr.write(`flowline ${role}: could not start: ${(error as Error).message} ${causes}\n`)
    process.stderr.write(
      settings.embedded
        ? `Is ${settings.dataDir} writable, and not used by another Flowline process?\n`
        : 'Is Kafka/PostgreSQL running? `npm run services:up` starts them; `npm start` needs neither.\n',
    )
    process.exit(1)
  }
  const simulation = new AbortController()
  let simulated: Promise<unknown> = Promise.resolve()
  const access = role === 'up' ? await localAccess(settings, pipeline.storage) : { lines: [], token: '' }
  if (role === 'up' && settings.simulator) {
    const ingest = pipeline.roles.find((running) => running.name === 'ingest')?.urls.ingest ?? ''
    const target = ingest.replace(/\/measurements$/, '')
    simulated = simulate(
      settings,
      target,
      simulation.signal,
      (line) => pipeline.logger.info(`simulator: ${line}`),
      access.token || settings.deviceToken,
    )
  }
  const urls = pipeline.roles.flatMap((running) => Object.entries(running.urls))
  const mode = settings.embedded
    ? `embedded (data in ${settings.dataDir})`
    : `real (Kafka ${settings.kafkaBrokers.join(',')})`
  process.stderr.write(
    `\nFlowline ${role} running, ${mode}\n${[...urls, ...access.lines].map(([name, url]) => `  ${name.padEnd(16)} ${url}`).join('\n')}\n\n`,
  )
  onShutdownSignal(pipeline.logger, async () => {
    simulation.abort()
    await simulated
    await pipeline.stop()
  })
}

/**
 * `up`: the simulator's device token (unless --device-token is given) and, embedded, the local
 * admin login to print, so that `npm start` works with auth on and nobody is locked out.
 */
async function localAccess(
  settings: Config,
  storage: Storage | undefined,
): Promise<{ lines: [string, string][]; token: string }> {
  if (settings.auth === 'off' || !storage) return { lines: [], token: '' }
  const lines: [string, string][] = []
  if (settings.embedded) {
    const admin = await provisionLocalAdmin(storage, settings.dataDir)
    lines.push([
      'console login',
      admin.password === undefined
        ? `accounts exist; \`flowline users create --embedded\` adds one`
        : `${admin.username} / ${admin.password}   (kept in ${admin.passwordFile})`,
    ])
  }
  const token =
    settings.simulator && settings.deviceToken === ''
      ? await provisionSimulatorToken(storage, simulatedSensorIds(settings.sensors))
      : ''
  return { lines, token }
}

addSettings(
  program
    .command('ingest')
    .description('HTTP ingest API: validates measurements and publishes them to Kafka'),
  'ingest',
).action((flags) => serve('ingest', ['ingest'], flags))
addSettings(
  program.command('saver').description('Consumes `temperatures` and stores each measurement exactly once'),
  'saver',
).action((flags) => serve('saver', ['saver'], flags))
addSettings(
  program
    .command('aggregate')
    .description(
      'Consumes `temperatures` into event-time windows per sensor (exactly once in PostgreSQL) and raises threshold alerts',
    ),
  'aggregate',
).action((flags) => serve('aggregate', ['aggregate'], flags))
addSettings(
  program
    .command('dead-letter-saver')
    .description('Consumes the errors topic into the dead_letters table, each entry exactly once'),
  'dead-letter-saver',
).action((flags) => serve('dead-letter-saver', ['dead-letter-saver'], flags))
addSettings(
  program
    .command('admin')
    .description(
      'Admin API: measurements, sensors, windows and alerts from PostgreSQL; dead letters and their redrive',
    ),
  'admin',
).action((flags) => serve('admin', ['admin'], flags))
addSettings(
  program.command('up').description('All roles in one process (and the simulator unless --no-simulator)'),
  'up',
).action((flags) => serve('up', ['ingest', 'saver', 'aggregate', 'dead-letter-saver', 'admin', 'etl'], flags))
addDeadLettersCommand(program, config)
registerEtlCommands(program, config, (flags) => serve('etl', ['etl'], flags))
addSettings(
  program.command('simulate').description('Sensor simulator: posts measurements to the ingest API'),
  'simulate',
).action(async (flags) => {
  const settings = config('simulate', flags)
  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  process.once('SIGTERM', () => stop.abort())
  if (settings.scenario === 'inventory') {
    const summary = await runInventoryScenario({
      targetUrl: settings.targetUrl,
      products: settings.sensors,
      rate: settings.rate,
      batch: settings.simulatorBatch,
      count: settings.count,
      durationS: settings.durationS,
      faultyRatio: settings.faultyRatio,
      token: settings.deviceToken,
      signal: stop.signal,
      onProgress: settings.progress ? (line) => process.stderr.write(`${line}\n`) : undefined,
    })
    process.stdout.write(`${JSON.stringify(summary)}\n`)
    if (summary.failed > 0) process.exitCode = 1
    return
  }
  const summary = await simulate(settings, settings.targetUrl, stop.signal, (line) =>
    process.stderr.write(`${line}\n`),
  )
  process.stdout.write(`${JSON.stringify(summary)}\n`)
  if (summary.failed > 0) process.exitCode = 1
})

addSettings(
  program
    .command('migrate')
    .description('Applies pending database migrations and creates the partitions ahead, then exits'),
  'migrate',
).action(async (flags) => {
  const settings = config('migrate', flags)
  const storage = await createStorage(
    settings,
    createLogger(settings.logLevel, 'migrate', { format: settings.logFormat }),
    createMetrics(),
  )
  try {
    const { applied, partitions } = await runMigrate(settings, storage)
    process.stdout.write(
      `${applied.length === 0 ? 'schema up to date' : `applied ${applied.join(', ')}`}; ` +
        `partitions created: ${partitions.created.length}, dropped: ${partitions.dropped.length}\n`,
    )
  } catch (error) {
    process.stderr.write(`flowline migrate: ${(error as Error).message}\n`)
    process.exitCode = 1
  } finally {
    await storage.close()
  }
})
addSettings(
  program
    .command('doctor')
    .description(
      'Checks config, connectivity, topics, consumer group, migrations, partitions and clocks; exit code 1 on a failure',
    ),
  'doctor',
).action(async (flags) => {
  const settings = config('doctor', flags)
  const logger = createLogger('silent', 'doctor')
  const metrics = createMetrics()
  const report = await runDoctor(settings, {
    openStorage: (databaseUrl) => createStorage({ ...settings, databaseUrl }, logger, metrics),
  })
  process.stdout.write(formatReport(report))
  process.exitCode = report.exitCode
})

addCredentialCommands(program, (flags) => config('migrate', flags))

addSettings(
  program
    .command('topics')
    .argument(
      '<action>',
      'describe (the configured topics), create (the missing ones, then describe) or list (every topic)',
    )
    .description(
      "Creates and checks every stream's topics with the configured partitions and replication factor; exit code 1 when one is missing or differs",
    ),
  'topics',
).action(async (action: string, flags) => {
  const settings = config('topics', flags)
  if (!['describe', 'create', 'list'].includes(action)) {
    process.stderr.write(
      `flowline topics: unknown action ${JSON.stringify(action)}: expected describe, create or list\n`,
    )
    process.exit(2)
  }
  if (settings.embedded) {
    process.stdout.write(
      'embedded log: each role creates its topics at start with --partitions; nothing to check\n',
    )
    return
  }
  try {
    const states = await runTopics(settings, action as 'describe' | 'create' | 'list')
    process.stdout.write(formatTopics(states))
    if (states.some((state) => state.status === 'MISSING' || state.status === 'WRONG')) process.exitCode = 1
  } catch (error) {
    process.stderr.write(
      `flowline topics: Kafka at ${settings.kafkaBrokers.join(',')}: ${(error as Error).message}\n`,
    )
    process.exitCode = 1
  }
})

addSettings(
  program
    .command('trace')
    .argument('<sensor_id>', 'the sensor')
    .argument('<timestamp>', 'the measurement time: ISO-8601 or epoch milliseconds')
    .description("Prints one measurement's journey: ingest, the log, the saver and the database, with times"),
  'trace',
).action(async (sensorId: string, timestamp: string, flags: Record<string, unknown>) => {
  const settings = config('trace', flags)
  const url = new URL('/measurements/journey', settings.adminUrl)
  url.search = new URLSearchParams({ sensor_id: sensorId, timestamp }).toString()
  try {
    const response = await fetch(url, {
      headers: settings.apiToken ? { authorization: `Bearer ${settings.apiToken}` } : {},
    })
    const body = (await response.json()) as JourneyAnswer & { message?: string }
    if (!response.ok) {
      process.stderr.write(`flowline trace: ${body.message ?? response.statusText}\n`)
      process.exitCode = 1
      return
    }
    process.stdout.write(formatJourney(body))
  } catch (error) {
    process.stderr.write(
      `flowline trace: cannot reach the admin API at ${settings.adminUrl}: ${(error as Error).message}\n`,
    )
    process.exitCode = 1
  }
})

addSettings(
  program
    .command('inventory')
    .argument('<action>', 'check: levels equal the sum of the applied ledger, nothing negative')
    .description('Checks the stock invariant in the database; exit code 1 when it does not hold'),
  'inventory',
).action(async (action: string, flags) => {
  const settings = config('inventory', flags)
  if (action !== 'check') {
    process.stderr.write(`flowline inventory: unknown action ${JSON.stringify(action)}: expected check\n`)
    process.exit(2)
  }
  const storage = await createStorage(settings, createLogger('silent', 'inventory'), createMetrics())
  try {
    const result = await checkInventory(storage.db)
    process.stdout.write(formatInventoryCheck(result))
    process.exitCode = result.ok ? 0 : 1
  } catch (error) {
    process.stderr.write(`flowline inventory check: ${(toStorageError(error) as Error).message}\n`)
    process.exitCode = 1
  } finally {
    await storage.close()
  }
})

await program.parseAsync(process.argv)
