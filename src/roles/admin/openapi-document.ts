import { createAuth } from '../../auth/auth-setup.ts'
import type { Broker } from '../../broker/broker.ts'
import { loadConfig } from '../../config/config.ts'
import { createLogger } from '../../observability/logger.ts'
import { createMetrics } from '../../observability/metrics.ts'
import { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import { PostgresStorage } from '../../storage/postgres-storage.ts'
import { DeadLetterActions } from '../dead-letters/dead-letter-actions.ts'
import { createAdminApp } from './admin-app.ts'
import { FlowSampler } from './flow/flow-sampler.ts'

/**
 * The admin role's OpenAPI document, built without a database: the pool connects on the first
 * query, and none runs. The console's API types are generated from it.
 */
export async function adminOpenApiDocument(): Promise<unknown> {
  const storage = new PostgresStorage({ connectionString: 'postgres://unused@127.0.0.1:1/unused' })
  const flow = new FlowSampler({
    topology: { topic: 't', errorsTopic: 'e', saverGroup: 's', aggregateGroup: 'a' },
    sources: [],
    intervalMs: 1000,
  })
  // The dead-letter routes are served only with their actions; building the document calls none of
  // them, so the broker they would publish through is one that refuses every call.
  const broker = new Proxy({} as Broker, {
    get: () => () => Promise.reject(new Error('no broker: the OpenAPI document only')),
  })
  const logger = createLogger('silent', 'openapi')
  const metrics = createMetrics()
  const deadLetterActions = new DeadLetterActions({
    broker,
    storage,
    logger,
    metrics,
    errorsTopic: 'errors',
    measurementsTopic: 'temperatures',
    stockTopic: 'stock_movements',
    futureToleranceMs: 0,
    ratePerSecond: 1,
  })
  const app = await createAdminApp({
    deadLetterActions,
    storage,
    repository: new MeasurementsRepository(storage.db),
    logger,
    metrics,
    defaultLimit: 100,
    maxLimit: 1000,
    flow,
    // Never called here: the forwarded /etl/* routes are documented for the console's ETL page.
    etlUrl: 'http://127.0.0.1:1',
    // Auth on, so the document lists the login, user and token routes and the security schemes.
    auth: await createAuth(loadConfig({}, {}, 'admin'), storage, createLogger('silent', 'openapi')),
  })
  try {
    await app.ready()
    return app.swagger()
  } finally {
    await deadLetterActions.close()
    await app.close()
    await storage.close()
  }
}
