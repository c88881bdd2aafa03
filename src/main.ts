#!/usr/bin/env node
import { Command } from 'commander'
import { registerEtlCommands } from './cli/etl-commands.ts'
import { addSettings } from './cli/options.ts'
import { ConfigError, loadConfig } from './config/config.ts'
import type { Role } from './config/settings.ts'
import { createLogger } from './observability/logger.ts'
import { createMetrics } from './observability/metrics.ts'
import { formatReport, runDoctor } from './operations/doctor.ts'
import { runMigrate } from './operations/migrate.ts'
import { createStorage } from './runtime/composition.ts'
import { onShutdownSignal } from './runtime/shutdown.ts'
import { type ServerRole, simulate, startPipeline } from './runtime/start-roles.ts'

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
    // `up --no-aggregator` leaves the aggregator out.
    const started =
      role === 'up' && !settings.aggregator ? roles.filter((name) => name !== 'aggregate') : roles
    pipeline = await startPipeline(settings, started, role)
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
  if (role === 'up' && settings.simulator) {
    const ingest = pipeline.roles.find((running) => running.name === 'ingest')?.urls.ingest ?? ''
    const target = ingest.replace(/\/measurements$/, '')
    simulated = simulate(settings, target, simulation.signal, (line) =>
      pipeline.logger.info(`simulator: ${line}`),
    )
  }
  const urls = pipeline.roles.flatMap((running) => Object.entries(running.urls))
  const mode = settings.embedded
    ? `embedded (data in ${settings.dataDir})`
    : `real (Kafka ${settings.kafkaBrokers.join(',')})`
  process.stderr.write(
    `\nFlowline ${role} running, ${mode}\n${urls.map(([name, url]) => `  ${name.padEnd(16)} ${url}`).join('\n')}\n\n`,
  )
  onShutdownSignal(pipeline.logger, async () => {
    simulation.abort()
    await simulated
    await pipeline.stop()
  })
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
  program.command('admin').description('Admin API: recent measurements and sensors from PostgreSQL'),
  'admin',
).action((flags) => serve('admin', ['admin'], flags))
addSettings(
  program.command('up').description('All roles in one process (and the simulator unless --no-simulator)'),
  'up',
).action((flags) => serve('up', ['ingest', 'saver', 'aggregate', 'admin', 'etl'], flags))
registerEtlCommands(program, config, (flags) => serve('etl', ['etl'], flags))
addSettings(
  program.command('simulate').description('Sensor simulator: posts measurements to the ingest API'),
  'simulate',
).action(async (flags) => {
  const settings = config('simulate', flags)
  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  process.once('SIGTERM', () => stop.abort())
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
  const storage = await createStorage(settings, createLogger(settings.logLevel, 'migrate'), createMetrics())
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

await program.parseAsync(process.argv)
