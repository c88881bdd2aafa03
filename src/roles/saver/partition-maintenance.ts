import type { Logger } from '../../observability/logger.ts'
import { maintainPartitions, type PartitionPolicy } from '../../storage/measurement-partitions.ts'
import type { Storage } from '../../storage/storage.ts'

/** Hourly: the next day's partition exists days before it is needed, so the hour hardly matters. */
const INTERVAL_MS = 3_600_000

export interface PartitionMaintenance {
  stop(): Promise<void>
}

/**
 * The saver keeps the daily partitions of `measurements`: it writes the table, so it is the role
 * that must find tomorrow's partition ready, and every deployment runs one. A run at start and
 * then hourly; several savers take turns through an advisory lock. A failed run is logged and
 * retried an hour later: rows still land in the default partition meanwhile, nothing stalls.
 */
export async function startPartitionMaintenance(
  storage: Storage,
  policy: PartitionPolicy,
  logger: Logger,
): Promise<PartitionMaintenance> {
  let running: Promise<void> = Promise.resolve()
  const run = () => {
    running = maintainPartitions(storage.db, policy).then(
      (result) => {
        if (result.created.length + result.dropped.length + result.expired > 0) {
          logger.info(result, 'measurement partitions maintained')
        }
      },
      (error: unknown) => logger.warn({ err: error }, 'partition maintenance failed; retrying in an hour'),
    )
    return running
  }
  await run()
  const timer = setInterval(run, INTERVAL_MS)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
