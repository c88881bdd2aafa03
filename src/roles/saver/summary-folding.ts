import type { Logger } from '../../observability/logger.ts'
import {
  FOLD_ROWS_PER_STATEMENT,
  foldSensorSummaryDeltas,
  pendingReadings,
  vacuumSummaryDeltas,
} from '../../storage/sensor-summary.ts'
import type { Storage } from '../../storage/storage.ts'

/** How often the saver looks at what is pending (a sum over the small table's `readings`). */
const CHECK_INTERVAL_MS = 1_000
/**
 * A fold costs about one upsert per sensor it touches plus a little per reading, so it pays once
 * the pending readings are several per sensor (sql-insert bench, 20,000 sensors, about 90,000
 * readings/s: folding every 250 ms cost 3.9 µs of PostgreSQL CPU per reading, every second
 * 1.1–1.2, every 5 s 0.7–1.0; main's insert with its upsert cost 10.1–10.8 in all, the insert
 * that appends 6.5–6.9). Readers add up the pending readings themselves, so they stay exact
 * whatever waits; the limits below bound that work and how long a row waits.
 */
const READINGS_PER_SENSOR = 5
const MAX_PENDING_READINGS = 200_000
const MAX_CHECKS_WITHOUT_FOLD = 10
/** Without autovacuum (PGlite), the folded rows' space is reclaimed every this many folds. */
const FOLDS_PER_VACUUM = 30
const UNDEFINED_TABLE = '42P01'

/**
 * Whether to fold now: `pending` readings wait, and one fold of this saver touched at most
 * `sensorsSeen` sensors (the guess of how many the next one touches: a small first fold guesses
 * low and the larger ones after it correct it; the most, not the last, so that a fold finding
 * little because another saver's fold took the rows first leaves the guess alone).
 */
export function foldIsDue(pending: number, sensorsSeen: number, checksSinceFold: number): boolean {
  if (pending === 0) return false
  return (
    checksSinceFold >= MAX_CHECKS_WITHOUT_FOLD ||
    pending >= MAX_PENDING_READINGS ||
    pending >= READINGS_PER_SENSOR * sensorsSeen
  )
}

export interface SummaryFolding {
  stop(): Promise<void>
}

/**
 * The saver folds the `sensors` summary readings its inserts append (src/storage/sensor-summary.ts):
 * a fold at start (rows left by a saver that stopped), then a check every second that folds when
 * `foldIsDue`, one run at a time. A fold goes on until fewer rows than a statement takes are left,
 * so a backlog drains in bounded transactions, and stops between them when the saver stops. A
 * failed run is logged and retried at the next check: the rows wait in their table, nothing is lost.
 * Without autovacuum (PGlite) every 30th fold vacuums the table.
 */
export async function startSummaryFolding(storage: Storage, logger: Logger): Promise<SummaryFolding> {
  let stopping = false
  let running: Promise<void> = Promise.resolve()
  let checksSinceFold = Number.POSITIVE_INFINITY
  let sensorsSeen = 0
  let folds = 0
  const foldIfDue = async () => {
    if (!foldIsDue(await pendingReadings(storage.db), sensorsSeen, checksSinceFold++)) return
    checksSinceFold = 0
    let sensors = 0
    for (let full = true; full && !stopping; ) {
      const folded = await foldSensorSummaryDeltas(storage.db)
      sensors += folded.sensors
      full = folded.batches === FOLD_ROWS_PER_STATEMENT
    }
    sensorsSeen = Math.max(sensorsSeen, sensors)
    if (!storage.capabilities.autovacuum && ++folds % FOLDS_PER_VACUUM === 0 && !stopping)
      await vacuumSummaryDeltas(storage.db)
  }
  const run = () => {
    running = foldIfDue().catch((error: unknown) => {
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
      if (!stopping) timer = setTimeout(tick, CHECK_INTERVAL_MS).unref()
    })
  }, CHECK_INTERVAL_MS).unref()
  return {
    async stop() {
      stopping = true
      clearTimeout(timer)
      await running
    },
  }
}
