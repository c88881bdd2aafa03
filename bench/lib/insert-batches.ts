import type { Measurement } from '../../src/domain/measurement.ts'
import type { LogPosition } from '../../src/storage/measurements-repository.ts'

export interface InsertRun {
  readonly seconds: number
  /** The slowest batch, in ms: PGlite holds the event loop for that long. */
  readonly longestBatchMs: number
}

/**
 * The order of the readings in a batch: `sensors` in turn (sensor-0, sensor-1, …), or `shuffled`
 * as a saver's batch comes from the log (records of many sensors, spread over partitions by key).
 */
export type BatchOrder = 'in-turn' | 'shuffled'

/**
 * Sends `rows` measurements to `insert` in batches of `batchSize`, one after another as a saver
 * sends them: `sensors` sensors in turn, 10 ms apart, ending now. The caller then checks the
 * row count (outside the timed part), so a figure never comes from a run that lost some. Each
 * batch comes with the log positions a saver would keep with its rows (12 partitions).
 */
export async function timedInsertBatches(
  options: { rows: number; sensors: number; batchSize: number; order?: BatchOrder },
  insert: (batch: Measurement[], positions: LogPosition[]) => Promise<unknown>,
): Promise<InsertRun> {
  const { rows, sensors, batchSize, order = 'in-turn' } = options
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
    if (order === 'shuffled') shuffleTogether(batch, positions)
    const batchStartedAt = performance.now()
    await insert(batch, positions)
    longestBatchMs = Math.max(longestBatchMs, performance.now() - batchStartedAt)
  }
  const seconds = (performance.now() - startedAt) / 1000
  return { seconds, longestBatchMs }
}

/** Fisher–Yates on two parallel arrays, with a fixed seed so that runs compare. */
function shuffleTogether<A, B>(first: A[], second: B[]): void {
  let seed = 42
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  for (let i = first.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[first[i], first[j]] = [first[j] as A, first[i] as A]
    ;[second[i], second[j]] = [second[j] as B, second[i] as B]
  }
}
