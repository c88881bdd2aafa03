import type { Measurement } from '../../src/domain/measurement.ts'
import type { LogPosition } from '../../src/storage/measurements-repository.ts'

export interface InsertRun {
  readonly seconds: number
  /** The slowest batch, in ms: PGlite holds the event loop for that long. */
  readonly longestBatchMs: number
}

/**
 * Sends `rows` measurements to `insert` in batches of `batchSize`, one after another as a saver
 * sends them: `sensors` sensors in turn, 10 ms apart, ending now. The caller then checks the
 * row count (outside the timed part), so a figure never comes from a run that lost some. Each
 * batch comes with the log positions a saver would keep with its rows (12 partitions).
 */
export async function timedInsertBatches(
  options: { rows: number; sensors: number; batchSize: number },
  insert: (batch: Measurement[], positions: LogPosition[]) => Promise<unknown>,
): Promise<InsertRun> {
  const { rows, sensors, batchSize } = options
  const start = Date.now() - rows * 10
  let longestBatchMs = 0
  const startedAt = performance.now()
  for (let first = 0; first < rows; first += batchSize) {
    const batch: Measurement[] = []
    const positions: LogPosition[] = []
    for (let i = first; i < Math.min(rows, first + batchSize); i++) {
      batch.push({
        sensorId: `sensor-${i % sensors}`,
        temperature: 20 + (i % 100) / 10,
        timestampMs: start + i * 10,
      })
      positions.push({ partition: i % 12, offset: BigInt(i), timestampMs: start + i * 10 + 5 })
    }
    const batchStartedAt = performance.now()
    await insert(batch, positions)
    longestBatchMs = Math.max(longestBatchMs, performance.now() - batchStartedAt)
  }
  const seconds = (performance.now() - startedAt) / 1000
  return { seconds, longestBatchMs }
}
