import { createAuth } from '../../auth/auth-setup.ts'
import { loadConfig } from '../../config/config.ts'
import { createLogger } from '../../observability/logger.ts'
import { createMetrics } from '../../observability/metrics.ts'
import { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import { PostgresStorage } from '../../storage/postgres-storage.ts'
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
  const app = await createAdminApp({
    storage,
    repository: new MeasurementsRepository(storage.db),
    logger: createLogger('silent', 'openapi'),
    metrics: createMetrics(),
    defaultLimit: 100,
    maxLimit: 1000,
    flow,
    // Auth on, so the document lists the login, user and token routes and the security schemes.
    auth: await createAuth(loadConfig({}, {}, 'admin'), storage, createLogger('silent', 'openapi')),
  })
  try {
    await app.ready()
    return app.swagger()
  } finally {
    await app.close()
    await storage.close()
  }
}
