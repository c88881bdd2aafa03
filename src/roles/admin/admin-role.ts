import type { Config } from '../../config/config.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { createAdminApp } from './admin-app.ts'

export async function startAdmin(
  config: Config,
  storage: Storage,
  logger: Logger,
  metrics: Metrics,
  writeStorage?: Storage,
): Promise<RunningRole> {
  const app = await createAdminApp({
    storage,
    repository: new MeasurementsRepository(storage.db),
    logger,
    metrics,
    defaultLimit: config.defaultLimit,
    maxLimit: config.maxLimit,
    writeStorage,
  })
  return {
    name: 'admin',
    urls: await listen(app, 'admin', config.host, config.adminPort, logger, '/measurements'),
    close: () => app.close(),
  }
}
