import type { Broker } from '../broker/broker.ts'
import type { Config } from '../config/config.ts'
import type { RunningRole } from '../http/running-role.ts'
import { createLogger, type Logger } from '../observability/logger.ts'
import { createMetrics, type Metrics } from '../observability/metrics.ts'
import { startAdmin } from '../roles/admin/admin-role.ts'
import { startAggregate } from '../roles/aggregate/aggregate-role.ts'
import { startEtl } from '../roles/etl/etl-role.ts'
import { startIngest } from '../roles/ingest/ingest-role.ts'
import { startSaver } from '../roles/saver/saver-role.ts'
import { formatSummary, runSimulator } from '../roles/simulator/simulator.ts'
import type { Storage } from '../storage/storage.ts'
import { createBroker, createReadStorage, createRunQueue, createStorage, topicsOf } from './composition.ts'

export type ServerRole = 'ingest' | 'saver' | 'aggregate' | 'admin' | 'etl'

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
  const logger = createLogger(config.logLevel, logName)
  const metrics = createMetrics()
  const needsBroker = roles.includes('ingest') || roles.includes('saver') || roles.includes('aggregate')
  const needsStorage = roles.some((role) => role !== 'ingest')
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
  }
  try {
    if (broker) await broker.ensureTopics(topicsOf(config))
    // --no-migrate-on-start: in a rolling upgrade `flowline migrate` runs first, once, and the old
    // and new versions of the roles both work with the migrated schema.
    if (storage && config.migrateOnStart) {
      const applied = await storage.migrate()
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated')
    }
    if (broker && roles.includes('ingest')) running.push(await startIngest(config, broker, logger, metrics))
    if (broker && storage && roles.includes('saver'))
      running.push(await startSaver(config, broker, storage, logger, metrics))
    if (broker && storage && roles.includes('aggregate'))
      running.push(await startAggregate(config, broker, storage, logger, metrics))
    if (readStorage) running.push(await startAdmin(config, readStorage, logger, metrics))
    if (storage && roles.includes('etl'))
      running.push(
        await startEtl(config, storage, await createRunQueue(config, storage, logger), logger, metrics),
      )
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
) {
  const summary = await runSimulator({
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
