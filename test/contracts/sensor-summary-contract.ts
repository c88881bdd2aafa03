import assert from 'node:assert/strict'
import { it } from 'node:test'
import { sql } from 'kysely'
import type { Measurement } from '../../src/domain/measurement.ts'
import { MeasurementsRepository, type SensorSummary } from '../../src/storage/measurements-repository.ts'
import { foldSensorSummaryDeltas, vacuumSummaryDeltas } from '../../src/storage/sensor-summary.ts'
import type { Storage } from '../../src/storage/storage.ts'

const T0 = Date.parse('2026-02-01T00:00:00Z')
const at = (sensorId: string, seconds: number, temperature = seconds): Measurement => ({
  sensorId,
  temperature,
  timestampMs: T0 + seconds * 1000,
})

/** The summary of the sensors named `prefix*`, as the readers get it. */
async function summaries(repository: MeasurementsRepository, prefix: string): Promise<SensorSummary[]> {
  return (await repository.sensors()).filter((sensor) => sensor.sensor_id.startsWith(prefix))
}

/** The same figures computed from `measurements` itself: what the summary must equal. */
async function fromMeasurements(storage: Storage, prefix: string): Promise<SensorSummary[]> {
  const { rows } = await sql<{ sensor_id: string; n: number; first: Date; last: Date; temperature: number }>`
    SELECT sensor_id, count(*)::int AS n, min(ts) AS first, max(ts) AS last,
           (array_agg(temperature ORDER BY ts DESC))[1] AS temperature
      FROM measurements WHERE starts_with(sensor_id, ${prefix})
     GROUP BY sensor_id ORDER BY sensor_id`.execute(storage.db)
  return rows.map((row) => ({
    sensor_id: row.sensor_id,
    count: row.n,
    first_seen: new Date(row.first).toISOString(),
    last_seen: new Date(row.last).toISOString(),
    last_temperature: row.temperature,
  }))
}

async function pendingBatches(storage: Storage): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_summary_deltas`.execute(
    storage.db,
  )
  return rows[0]?.n ?? 0
}

/**
 * The `sensors` summary (migration 0015): inserts append their readings, folds move them into
 * `sensors`, and every read adds what is not folded yet, so the figures are exact at any time.
 */
export function sensorSummaryContract(storage: () => Storage): void {
  it('summary: exact before any fold, after a fold, and with redelivered batches on both sides of it', async () => {
    const repository = new MeasurementsRepository(storage().db)
    const batch = [at('fold-a', 1), at('fold-a', 2), at('fold-b', 1)]
    assert.equal(await repository.insertBatch(batch), 3)
    assert.equal(await repository.insertBatch(batch), 0)
    const beforeFold = await summaries(repository, 'fold-')
    assert.deepEqual(beforeFold, await fromMeasurements(storage(), 'fold-'))
    assert.equal(beforeFold[0]?.count, 2)
    assert.deepEqual(await foldSensorSummaryDeltas(storage().db), { batches: 1, sensors: 2 })
    assert.deepEqual(await summaries(repository, 'fold-'), beforeFold, 'a fold changes no figure')
    assert.equal(await repository.insertBatch(batch), 0, 'redelivered after the fold')
    assert.equal(await repository.insertBatch([at('fold-a', 2), at('fold-a', 3)]), 1)
    const after = await summaries(repository, 'fold-')
    assert.deepEqual(after, await fromMeasurements(storage(), 'fold-'))
    assert.deepEqual(
      after.map((s) => [s.sensor_id, s.count]),
      [
        ['fold-a', 3],
        ['fold-b', 1],
      ],
    )
  })

  it('summary: first, last and last temperature stay right across folds, late and early readings', async () => {
    const repository = new MeasurementsRepository(storage().db)
    await repository.insertBatch([at('span', 50, 5.5)])
    await foldSensorSummaryDeltas(storage().db)
    await repository.insertBatch([at('span', 10, 1.5)]) // older: neither last_seen nor temperature move
    await repository.insertBatch([at('span', 20, 2.5), at('span', 60, 6.5), at('span', 55, 9.9)])
    const pending = await summaries(repository, 'span')
    assert.deepEqual(
      pending.map((s) => [s.count, s.first_seen, s.last_seen, s.last_temperature]),
      [[5, '2026-02-01T00:00:10.000Z', '2026-02-01T00:01:00.000Z', 6.5]],
    )
    await foldSensorSummaryDeltas(storage().db)
    assert.deepEqual(await summaries(repository, 'span'), pending)
    await repository.insertBatch([at('span', 5, 0.5)])
    await foldSensorSummaryDeltas(storage().db)
    await repository.insertBatch([at('span', 70, 7.5)])
    assert.deepEqual(await summaries(repository, 'span'), await fromMeasurements(storage(), 'span'))
    const [span] = await summaries(repository, 'span')
    assert.deepEqual(
      [span?.count, span?.first_seen, span?.last_temperature],
      [7, '2026-02-01T00:00:05.000Z', 7.5],
    )
  })

  it('summary: a saver still upserting `sensors` (started before 0015) and one appending add up exactly', async () => {
    const repository = new MeasurementsRepository(storage().db)
    await repository.insertBatch([at('mixed', 1), at('mixed', 3)], undefined, 'upsert')
    await repository.insertBatch([at('mixed', 2), at('mixed', 3)])
    await repository.insertBatch([at('mixed', 4), at('mixed', 1)], undefined, 'upsert')
    assert.deepEqual(await summaries(repository, 'mixed'), await fromMeasurements(storage(), 'mixed'))
    await foldSensorSummaryDeltas(storage().db)
    const [mixed] = await summaries(repository, 'mixed')
    assert.deepEqual([mixed?.count, mixed?.last_temperature], [4, 4])
  })

  it('summary: concurrent overlapping inserts and folds count every reading once', async () => {
    const repository = new MeasurementsRepository(storage().db)
    // 8 savers' batches over the same 400 readings (each reading in 3 batches: redeliveries that
    // race the first delivery), issued at once with 6 folds between them. On PostgreSQL they run on
    // the pool's several connections; PGlite runs them one after another.
    const readings = Array.from({ length: 400 }, (_, i) => at(`race-${i % 7}`, i, (i * 37) % 101))
    // Each batch in reading order, as a saver's is: overlapping batches in opposite orders could
    // deadlock on the `measurements` key, with or without the summary.
    const batches = Array.from({ length: 8 }, (_, b) => readings.filter((_, i) => (i + b) % 8 < 3))
    const inserts: Promise<number>[] = []
    const folds: Promise<unknown>[] = []
    for (const [b, batch] of batches.entries()) {
      inserts.push(repository.insertBatch(batch))
      if (b % 4 !== 3) folds.push(foldSensorSummaryDeltas(storage().db))
    }
    const [inserted] = await Promise.all([Promise.all(inserts), Promise.all(folds)])
    assert.equal(
      inserted.reduce((sum, n) => sum + n, 0),
      400,
      'each reading inserted by one batch',
    )
    const expected = await fromMeasurements(storage(), 'race-')
    assert.equal(
      expected.reduce((sum, s) => sum + s.count, 0),
      400,
    )
    assert.deepEqual(await summaries(repository, 'race-'), expected, 'exact before the last fold')
    while ((await foldSensorSummaryDeltas(storage().db)).batches > 0) {}
    assert.equal(await pendingBatches(storage()), 0)
    await vacuumSummaryDeltas(storage().db) // what a saver on PGlite runs now and then
    const { rows } = await sql<{ n: number }>`
      SELECT sum(measurement_count)::int AS n FROM sensors WHERE starts_with(sensor_id, 'race-')`.execute(
      storage().db,
    )
    assert.equal(rows[0]?.n, 400, 'every reading folded into `sensors` once')
    assert.deepEqual(await summaries(repository, 'race-'), expected)
  })
}
