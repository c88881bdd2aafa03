import { createAuth } from '../../auth/auth-setup.ts'
import type { Broker } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import { ProductEventV1, ProductV1, StockMovementV1 } from '../../inventory/inventory-schemas.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { RegistryRepository } from '../../registry/registry-repository.ts'
import { SensorGate, type UnknownSensorPolicy } from '../../registry/sensor-gate.ts'
import type { Storage } from '../../storage/storage.ts'
import { productEventsStream } from '../../streams/definitions/product-events-stream.ts'
import { productsStream } from '../../streams/definitions/products-stream.ts'
import { stockMovementsStream } from '../../streams/definitions/stock-movements-stream.ts'
import { BacklogGate } from './backlog-gate.ts'
import { createIngestApp } from './ingest-app.ts'
import { ProduceCoalescer } from './produce-coalescer.ts'
import type { StreamIngestRoute } from './stream-ingest-routes.ts'

/** Starts the ingest API. On close it stops accepting, then waits for what Kafka still has to acknowledge. */
export async function startIngest(
  config: Config,
  broker: Broker,
  storage: Storage,
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
    auth: (await createAuth(config, storage, logger)).guard,
    gate: new SensorGate({
      registry: new RegistryRepository(storage.db),
      policy: config.unknownSensors as UnknownSensorPolicy,
      cacheTtlMs: config.authCacheTtlMs,
    }),
    streamRoutes: inventoryIngestRoutes(config),
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

/** The inventory streams' ingest routes, each publishing to its configured topic. */
export function inventoryIngestRoutes(
  config: Pick<Config, 'stockTopic' | 'productsTopic' | 'productEventsTopic'>,
): StreamIngestRoute[] {
  return [
    {
      path: '/stock-movements',
      summary: 'Submit stock movements',
      definition: stockMovementsStream,
      topic: config.stockTopic,
      schema: StockMovementV1,
    },
    {
      path: '/product-versions',
      summary:
        'Submit product versions (the catalog as a stream; an older version never overwrites a newer one)',
      definition: productsStream,
      topic: config.productsTopic,
      schema: ProductV1,
    },
    {
      path: '/product-events',
      summary: 'Submit product events (views, carts, purchases, returns)',
      definition: productEventsStream,
      topic: config.productEventsTopic,
      schema: ProductEventV1,
    },
  ]
}
