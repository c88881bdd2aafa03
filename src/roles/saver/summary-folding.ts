import type { Logger } from '../../observability/logger.ts'
import { FOLD_ROWS_PER_STATEMENT, foldSensorSummaryDeltas } from '../../storage/sensor-summary.ts'
import type { Storage } from '../../storage/storage.ts'

/**
 * Every second: at the saver's rate a second of batches holds several deltas per sensor, and one
 * upsert per sensor replaces them. Readers are exact whatever the interval (they add the pending
 * deltas), so it only bounds how many deltas they add up.
 */
const INTERVAL_MS = 1_000
const UNDEFINED_TABLE = '42P01'

export interface SummaryFolding {
  stop(): Promise<void>
}

/**
 * The saver folds the `sensors` summary deltas its inserts append (src/storage/sensor-summary.ts):
 * a run at start (deltas left by a saver that stopped), then every second, one run at a time. A
 * run folds until fewer rows than a statement takes are left, so a backlog drains in steps of
 * bounded transactions, and stops between steps when the saver stops. A failed run is logged and
 * retried at the next tick: the deltas wait in their table, nothing is lost.
 */
export async function startSummaryFolding(storage: Storage, logger: Logger): Promise<SummaryFolding> {
  let stopping = false
  let running: Promise<void> = Promise.resolve()
  const foldPending = async () => {
    while (!stopping && (await foldSensorSummaryDeltas(storage.db)) === FOLD_ROWS_PER_STATEMENT) {}
  }
  const run = () => {
    running = foldPending().catch((error: unknown) => {
      // Before migration 0015 (a saver started ahead of it) there is nothing to fold.
      if ((error as { code?: unknown })?.code === UNDEFINED_TABLE) return
      logger.warn({ err: error }, 'folding the sensors summary failed; retrying in a second')
    })
    return running
  }
  await run()
  // The next run is scheduled when one ends: a slow fold never overlaps the next.
  let timer = setTimeout(function tick() {
    void run().then(() => {
      if (!stopping) timer = setTimeout(tick, INTERVAL_MS).unref()
    })
  }, INTERVAL_MS).unref()
  return {
    async stop() {
      stopping = true
      clearTimeout(timer)
      await running
    },
  }
}
