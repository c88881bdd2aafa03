import { createAuth } from '../../auth/auth-setup.ts'
import type { Broker } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { DeadLetterActions } from '../dead-letters/dead-letter-actions.ts'
import { createAdminApp } from './admin-app.ts'
import { CONSOLE_PATH } from './console-static.ts'
import { FlowSampler, type GroupLagReader } from './flow/flow-sampler.ts'
import { type FlowRole, httpSourcesOf, inProcessSource } from './flow/metric-sources.ts'

/**
 * Starts the admin API. It reads from `readStorage` (a replica, say); the registry, accounts,
 * products, redrives and discards are written to the primary `writes.storage`, and redrives
 * publish through `writes.broker`.
 */
export async function startAdmin(
  config: Config,
  readStorage: Storage,
  writes: { readonly storage: Storage; readonly broker: Broker },
  logger: Logger,
  metrics: Metrics,
  /** The roles running in this process, whose metrics the flow view reads directly. */
  inProcessRoles: readonly FlowRole[] = ['admin'],
  groupLag?: GroupLagReader,
): Promise<RunningRole> {
  const remote = httpSourcesOf(config.metricsUrls ?? [])
  const flow = new FlowSampler({
    topology: {
      topic: config.topic,
      errorsTopic: config.errorsTopic,
      saverGroup: config.groupId,
      aggregateGroup: config.aggregateGroup,
    },
    // A role listed in --metrics-urls is read there even when it also runs here.
    sources: [
      inProcessSource(
        metrics.registry,
        inProcessRoles.filter((role) => !remote.some((source) => source.roles.includes(role))),
      ),
      ...remote,
    ],
    groupLag,
    intervalMs: 1000,
  })
  const deadLetterActions = new DeadLetterActions({
    ...writes,
    logger,
    metrics,
    errorsTopic: config.errorsTopic,
    measurementsTopic: config.topic,
    stockTopic: config.stockTopic,
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
    primary: writes.storage,
    auth: await createAuth(config, writes.storage, logger),
    flow,
    deadLetterActions,
    measurementsTopic: config.topic,
    etlUrl: config.etlUrl,
  })
  const urls = await listen(app, 'admin', config.host, config.adminPort, logger, '/measurements')
  return {
    name: 'admin',
    urls: { console: urls.admin?.replace(/\/measurements$/, CONSOLE_PATH) ?? '', ...urls },
    async close() {
      // A bulk redrive stops between two chunks before the broker and the database close.
      await deadLetterActions.close()
      await app.close()
    },
  }
}
