import { createAuth } from '../../auth/auth-setup.ts'
import type { Broker } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { RegistryRepository } from '../../registry/registry-repository.ts'
import { SensorGate, type UnknownSensorPolicy } from '../../registry/sensor-gate.ts'
import type { Storage } from '../../storage/storage.ts'
import { createIngestApp } from './ingest-app.ts'
import { ProduceCoalescer } from './produce-coalescer.ts'

/** Starts the ingest API. On close it stops accepting, then waits for what Kafka still has to acknowledge. */
export async function startIngest(
  config: Config,
  broker: Broker,
  storage: Storage,
  logger: Logger,
  metrics: Metrics,
): Promise<RunningRole> {
  const coalescer = new ProduceCoalescer({
    broker,
    metrics,
    logger,
    maxInFlightRecords: config.maxInFlightRecords,
    maxBatchRecords: config.produceBatchRecords,
    lingerMs: config.produceLingerMs,
    timeoutMs: config.produceTimeoutMs,
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
    auth: (await createAuth(config, storage, logger)).guard,
    gate: new SensorGate({
      registry: new RegistryRepository(storage.db),
      policy: config.unknownSensors as UnknownSensorPolicy,
      cacheTtlMs: config.authCacheTtlMs,
    }),
  })
  return {
    name: 'ingest',
    urls: await listen(app, 'ingest', config.host, config.ingestPort, logger, '/measurements'),
    async close() {
      await app.close()
      await coalescer.drained()
    },
  }
}
