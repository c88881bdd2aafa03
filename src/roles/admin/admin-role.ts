import type { Config } from '../../config/config.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { baseUrl, type RunningRole } from '../../runtime/running-role.ts'
import { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { createAdminApp } from './admin-app.ts'

export async function startAdmin(
  config: Config,
  storage: Storage,
  logger: Logger,
  metrics: Metrics,
): Promise<RunningRole> {
  const app = await createAdminApp({
    storage,
    repository: new MeasurementsRepository(storage.db),
    logger,
    metrics,
    defaultLimit: config.defaultLimit,
    maxLimit: config.maxLimit,
  })
  await app.listen({ host: config.host, port: config.adminPort })
  const url = baseUrl(app.server.address())
  logger.info({ url }, 'admin API listening')
  return {
    name: 'admin',
    urls: { admin: `${url}/measurements`, 'admin docs': `${url}/docs`, 'admin metrics': `${url}/metrics` },
    close: () => app.close(),
  }
}
