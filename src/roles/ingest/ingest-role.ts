import type { Broker } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { BacklogGate } from './backlog-gate.ts'
import { createIngestApp } from './ingest-app.ts'
import { ProduceCoalescer } from './produce-coalescer.ts'

/** Starts the ingest API. On close it stops accepting, then waits for what Kafka still has to acknowledge. */
export async function startIngest(
  config: Config,
  broker: Broker,
  logger: Logger,
  metrics: Metrics,
): Promise<RunningRole> {
  // Only the embedded log reports a group's backlog: there the saver shares this process.
  const groupBacklog = broker.groupBacklog?.bind(broker)
  const gate = groupBacklog
    ? new BacklogGate({
        sample: () => groupBacklog(config.groupId, config.topic),
        maxRecords: config.maxBacklogRecords,
        maxSeconds: config.maxBacklogSeconds,
        logger,
      })
    : undefined
  const coalescer = new ProduceCoalescer({
    broker,
    metrics,
    logger,
    maxInFlightRecords: config.maxInFlightRecords,
    maxBatchRecords: config.produceBatchRecords,
    lingerMs: config.produceLingerMs,
    timeoutMs: config.produceTimeoutMs,
    refusal: gate && (() => gate.closedBecause),
  })
  const app = await createIngestApp({
    broker,
    coalescer,
    logger,
    metrics,
    topic: config.topic,
    bodyLimitBytes: config.bodyLimitBytes,
    maxItems: config.maxItems,
    futureToleranceMs: config.futureToleranceMs,
  })
  return {
    name: 'ingest',
    urls: await listen(app, 'ingest', config.host, config.ingestPort, logger, '/measurements'),
    async close() {
      gate?.stop()
      await app.close()
      await coalescer.drained()
    },
  }
}
