import type { Config } from '../config/config.ts'
import { type MaintenanceResult, maintainPartitions } from '../storage/measurement-partitions.ts'
import type { Storage } from '../storage/storage.ts'

export interface MigrateResult {
  readonly applied: readonly string[]
  readonly partitions: MaintenanceResult
}

/**
 * `flowline migrate`: applies pending migrations, then creates the partitions ahead (and applies
 * the retention) the way a saver would, so roles started with --no-migrate-on-start find a
 * schema ready to write to.
 */
export async function runMigrate(config: Config, storage: Storage): Promise<MigrateResult> {
  const applied = await storage.migrate()
  const partitions = await maintainPartitions(storage.db, {
    daysAhead: config.partitionDaysAhead,
    retentionDays: config.retentionDays,
  })
  return { applied, partitions }
}
