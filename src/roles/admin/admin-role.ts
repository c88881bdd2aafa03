import type { Broker } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { DeadLetterActions } from '../dead-letters/dead-letter-actions.ts'
import { createAdminApp } from './admin-app.ts'

/**
 * Starts the admin API. It reads from `readStorage` (a replica, say); redrives and discards lock
 * and update rows on the primary `storage` and publish through `broker`.
 */
export async function startAdmin(
  config: Config,
  readStorage: Storage,
  writes: { readonly storage: Storage; readonly broker: Broker },
  logger: Logger,
  metrics: Metrics,
): Promise<RunningRole> {
  const deadLetterActions = new DeadLetterActions({
    ...writes,
    logger,
    metrics,
    errorsTopic: config.errorsTopic,
    measurementsTopic: config.topic,
    futureToleranceMs: config.futureToleranceMs,
    ratePerSecond: config.redriveRate,
  })
  const app = await createAdminApp({
    storage: readStorage,
    repository: new MeasurementsRepository(readStorage.db),
    logger,
    metrics,
    defaultLimit: config.defaultLimit,
    maxLimit: config.maxLimit,
    deadLetterActions,
  })
  return {
    name: 'admin',
    urls: await listen(app, 'admin', config.host, config.adminPort, logger, '/measurements'),
    async close() {
      // A bulk redrive stops between two chunks before the broker and the database close.
      await deadLetterActions.close()
      await app.close()
    },
  }
}
