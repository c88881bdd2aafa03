import { provisionFromSettings } from '../auth/auth-setup.ts'
import type { Broker } from '../broker/broker.ts'
import type { Config } from '../config/config.ts'
import { StorageUnavailableError } from '../errors.ts'
import type { RunningRole } from '../http/running-role.ts'
import { createLogger, type Logger } from '../observability/logger.ts'
import { createMetrics, type Metrics } from '../observability/metrics.ts'
import { startTracing } from '../observability/tracing.ts'
import { FLOW_ROLES, type FlowRole } from '../roles/admin/flow/metric-sources.ts'
import { formatSummary, runSimulator } from '../roles/simulator/simulator.ts'
import type { Storage } from '../storage/storage.ts'
import { toStorageError } from '../storage/storage-errors.ts'
import { collationAdvice, textCollation } from '../storage/text-collation.ts'
import {
  createBroker,
  createGroupLag,
  createReadStorage,
  createRunQueue,
  createStorage,
  topicsOf,
} from './composition.ts'
import { untilReady } from './startup-wait.ts'

export type ServerRole = 'ingest' | 'saver' | 'aggregate' | 'dead-letter-saver' | 'admin' | 'etl'

/** A process running one or more roles over shared connections. */
export interface Pipeline {
  readonly roles: readonly RunningRole[]
  readonly logger: Logger
  readonly metrics: Metrics
  readonly broker: Broker | undefined
  readonly storage: Storage | undefined
  stop(): Promise<void>
}

/**
 * Builds the adapters the roles need, prepares them (topics, migrations) and starts the roles.
 * `up` passes all of them; `flowline ingest` passes one. The order of `stop` matters: ingest stops
 * accepting and drains first, then the saver and the aggregator finish their batch, then connections close.
 */
export async function startPipeline(
  config: Config,
  roles: readonly ServerRole[],
  logName: string,
): Promise<Pipeline> {
  // Before the logger (its trace ids) and the HTTP apps (their traced server), which read whether it is on.
  const tracing = await startTracing({
    serviceName: `flowline-${logName}`,
    otlpEndpoint: config.otlpEndpoint,
    sampleRatio: config.traceSampleRatio,
    store: config.traceStore,
  })
  const logger = createLogger(config.logLevel, logName, { format: config.logFormat })
  const metrics = createMetrics()
  // Every role uses the database (ingest reads device tokens and the sensor registry, cached), and
  // the broker (admin publishes redriven dead letters, the ETL imports products and stock).
  const needsBroker = roles.length > 0
  const needsStorage = roles.length > 0
  const broker = needsBroker ? await createBroker(config, `flowline-${logName}`) : undefined
  const storage = needsStorage ? await createStorage(config, logger, metrics) : undefined
  const readStorage =
    storage && roles.includes('admin') ? await createReadStorage(config, storage, logger, metrics) : undefined
  const running: RunningRole[] = []
  const stop = async () => {
    for (const role of running)
      await role.close().catch((error) => logger.error({ err: error, role: role.name }, 'close failed'))
    await broker?.close()
    if (readStorage !== storage) await readStorage?.close()
    await storage?.close()
    // Last: the spans of the final batches are exported.
    await tracing.shutdown()
  }
  try {
    // Kafka and PostgreSQL may still be starting (compose, a node reboot): wait, bounded and logged.
    // The admin role only publishes redrives, the ETL only inventory imports: they start while the
    // broker is down (such a run fails and is retried).
    if (broker && roles.some((role) => role !== 'admin' && role !== 'etl'))
      await untilReady('kafka', () => broker.ensureTopics(topicsOf(config)), logger, config.startupWaitMs)
    // --no-migrate-on-start: in a rolling upgrade `flowline migrate` runs first, once, and the old
    // and new versions of the roles both work with the migrated schema.
    if (storage && config.migrateOnStart) {
      // A migration that fails on its own SQL is not waited on: only an unreachable database is.
      const unreachable = (error: unknown) =>
        toStorageError((error as Error).cause ?? error) instanceof StorageUnavailableError
      const applied = await untilReady(
        'postgresql',
        () => storage.migrate(),
        logger,
        config.startupWaitMs,
        unreachable,
      )
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated')
    }
    // Advice only: a database that cannot answer yet is the saver's to wait for.
    if (storage && roles.includes('saver')) {
      const collation = await textCollation(storage.db).catch(() => undefined)
      const advice = collation && collationAdvice(collation)
      if (advice) logger.warn({ collation }, advice)
    }
    if (storage && (roles.includes('ingest') || roles.includes('admin') || roles.includes('etl')))
      await provisionFromSettings(config, storage, logger).catch((error: unknown) =>
        // --no-migrate-on-start before `flowline migrate`: the tables are not there yet.
        logger.warn(
          { reason: (error as Error).message },
          'could not store the first admin or the bootstrap API key',
        ),
      )
    // Each role's code is imported only by a process that runs it: a saver process does not load the
    // admin API's routes and schemas, and each role process starts with less CPU.
    if (broker && storage && roles.includes('ingest')) {
      const { startIngest } = await import('../roles/ingest/ingest-role.ts')
      running.push(await startIngest(config, broker, storage, logger, metrics))
    }
    if (broker && storage && roles.includes('saver')) {
      const { startSaver } = await import('../roles/saver/saver-role.ts')
      running.push(await startSaver(config, broker, storage, logger, metrics))
    }
    if (broker && storage && roles.includes('aggregate')) {
      const { startAggregate } = await import('../roles/aggregate/aggregate-role.ts')
      running.push(await startAggregate(config, broker, storage, logger, metrics))
    }
    if (broker && storage && roles.includes('dead-letter-saver')) {
      const { startDeadLetterSaver } = await import('../roles/dead-letters/dead-letter-saver-role.ts')
      running.push(await startDeadLetterSaver(config, broker, storage, logger, metrics))
    }
    if (broker && storage && readStorage) {
      const { startAdmin } = await import('../roles/admin/admin-role.ts')
      running.push(
        await startAdmin(
          // `up` runs the ETL worker too: the console's ETL page reaches it on its own port.
          roles.includes('etl') ? { ...config, etlUrl: `http://127.0.0.1:${config.etlPort}` } : config,
          readStorage,
          { storage, broker },
          logger,
          metrics,
          // The aggregator inside the saver (--inline-aggregator) still shows on the flow view.
          [
            ...roles,
            ...(config.inlineAggregator && roles.includes('saver') ? ['aggregate' as const] : []),
          ].filter((role): role is FlowRole => (FLOW_ROLES as readonly string[]).includes(role)),
          await createGroupLag(config),
        ),
      )
    }
    if (storage && roles.includes('etl')) {
      const { startEtl } = await import('../roles/etl/etl-role.ts')
      running.push(
        await startEtl(
          config,
          storage,
          await createRunQueue(config, storage, logger),
          logger,
          metrics,
          broker,
        ),
      )
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { roles: running, logger, metrics, broker, storage, stop }
}

/** Runs the simulator against a base URL until its count or duration is reached or `signal` aborts. */
export async function simulate(
  config: Config,
  targetUrl: string,
  signal: AbortSignal,
  log: (line: string) => void,
  token = config.deviceToken,
) {
  const summary = await runSimulator({
    token,
    targetUrl,
    sensors: config.sensors,
    rate: config.rate,
    batch: config.simulatorBatch,
    count: config.count,
    durationS: config.durationS,
    faultyRatio: config.faultyRatio,
    concurrency: config.concurrency,
    signal,
    onProgress: config.progress ? log : undefined,
  })
  log(formatSummary(summary))
  return summary
}
