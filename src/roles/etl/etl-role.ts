import { hostname } from 'node:os'
import { createAuth } from '../../auth/auth-setup.ts'
import type { Broker } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import { startEtlWorker } from '../../etl/etl-worker.ts'
import { PIPELINES } from '../../etl/pipelines/index.ts'
import type { RunQueue } from '../../etl/run-queue.ts'
import { RunRepository } from '../../etl/run-repository.ts'
import { RunService } from '../../etl/run-service.ts'
import { parseSchedules } from '../../etl/schedules.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { Storage } from '../../storage/storage.ts'
import { createEtlApp } from './etl-app.ts'

/** How long a stopping worker waits for its runs; those still going are retried elsewhere. */
const STOP_TIMEOUT_MS = 10_000

/**
 * `flowline etl worker`: takes runs from the queue and serves the run API. Any number of them
 * share the runs; each answers the API for all of them.
 */
export async function startEtl(
  config: Config,
  storage: Storage,
  queue: RunQueue,
  logger: Logger,
  metrics: Metrics,
  broker?: Broker,
): Promise<RunningRole> {
  const repository = new RunRepository(storage.db)
  const schedules = parseSchedules(config.etlSchedules)
  const known = new Set(PIPELINES.map((pipeline) => pipeline.name))
  for (const schedule of schedules)
    if (!known.has(schedule.pipeline))
      throw new Error(`ETL_SCHEDULES names no known pipeline: ${schedule.pipeline}`)
  const worker = await startEtlWorker({
    queue,
    pipelines: PIPELINES,
    repository,
    storage,
    logger,
    worker: `${hostname()}:${process.pid}`,
    importDir: config.etlImportDir,
    concurrency: config.etlConcurrency,
    heartbeatSeconds: config.etlHeartbeatSeconds,
    schedules,
    publisher: broker && {
      topics: { products: config.productsTopic, stock: config.stockTopic },
      publish: (records) => broker.publish(records),
    },
  })
  const service = new RunService(repository, queue, PIPELINES)
  const app = await createEtlApp({
    storage,
    service,
    logger,
    metrics,
    auth: (await createAuth(config, storage, logger)).guard,
  })
  let urls: Record<string, string>
  try {
    urls = await listen(app, 'etl', config.host, config.etlPort, logger, '/etl/runs')
  } catch (error) {
    await worker.stop(0)
    throw error
  }
  return {
    name: 'etl',
    urls,
    async close() {
      await app.close()
      await worker.stop(STOP_TIMEOUT_MS)
    },
  }
}
