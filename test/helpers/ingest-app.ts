import type { FastifyInstance } from 'fastify'
import { AUTH_OFF } from '../../src/auth/access-hooks.ts'
import type { Broker } from '../../src/broker/broker.ts'
import type { Metrics } from '../../src/observability/metrics.ts'
import { createIngestApp, type IngestAppOptions } from '../../src/roles/ingest/ingest-app.ts'
import { ProduceCoalescer } from '../../src/roles/ingest/produce-coalescer.ts'
import { createMetrics, quietLogger } from './pipeline.ts'

export interface TestIngestOptions
  extends Partial<Omit<IngestAppOptions, 'broker' | 'coalescer' | 'logger' | 'metrics' | 'topic'>> {
  /** The coalescer's bound on records waiting for the broker (429 past it). */
  readonly maxInFlight?: number
  /** How long the coalescer waits for the broker's acknowledgement (503 past it). */
  readonly timeoutMs?: number
}

/**
 * An ingest app on `broker` and `topic` with its own coalescer, metrics and a silent logger, as the
 * role builds it; authentication off unless `options.auth` says otherwise (the platform contract
 * tests credentials). The caller closes it.
 */
export async function testIngestApp(
  broker: Broker,
  topic: string,
  options: TestIngestOptions = {},
): Promise<{ app: FastifyInstance; metrics: Metrics }> {
  const { maxInFlight = 10_000, timeoutMs = 10_000, ...appOptions } = options
  const metrics = createMetrics()
  const logger = quietLogger()
  const coalescer = new ProduceCoalescer({
    broker,
    metrics,
    logger,
    maxInFlightRecords: maxInFlight,
    maxBatchRecords: 1000,
    timeoutMs,
  })
  const app = await createIngestApp({
    broker,
    coalescer,
    logger,
    metrics,
    topic,
    bodyLimitBytes: 64 * 1024,
    maxItems: 100,
    futureToleranceMs: 60_000,
    auth: AUTH_OFF,
    ...appOptions,
  })
  return { app, metrics }
}
