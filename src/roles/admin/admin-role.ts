import { createAuth } from '../../auth/auth-setup.ts'
import type { Config } from '../../config/config.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { createAdminApp } from './admin-app.ts'
import { CONSOLE_PATH } from './console-static.ts'
import { FlowSampler, type GroupLagReader } from './flow/flow-sampler.ts'
import { type FlowRole, httpSourcesOf, inProcessSource } from './flow/metric-sources.ts'

export async function startAdmin(
  config: Config,
  storage: Storage,
  primary: Storage,
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
  const app = await createAdminApp({
    storage,
    repository: new MeasurementsRepository(storage.db),
    logger,
    metrics,
    defaultLimit: config.defaultLimit,
    maxLimit: config.maxLimit,
    primary,
    auth: await createAuth(config, primary, logger),
    flow,
  })
  const urls = await listen(app, 'admin', config.host, config.adminPort, logger, '/measurements')
  return {
    name: 'admin',
    urls: { console: urls.admin?.replace(/\/measurements$/, CONSOLE_PATH) ?? '', ...urls },
    close: () => app.close(),
  }
}
