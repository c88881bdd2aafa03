import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { parseWindowSpec } from '../../src/domain/window-spec.ts'
import { ReadingColumns } from '../../src/roles/aggregate/reading-columns.ts'
import { type Reading, WindowsRepository } from '../../src/roles/aggregate/windows-repository.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { createTestDatabase } from '../helpers/services.ts'

const SPECS = [parseWindowSpec('1m')]
const T0 = Date.UTC(2026, 0, 1, 10, 0)
const at = (ms: number, partition: number, temperature = 20): Reading => ({
  sensorId: 's-1',
  temperature,
  timestampMs: T0 + ms,
  partition,
})

/**
 * The dedup keeps, per sensor and minute, the offsets merged (`aggregated_minutes`). Members of
 * one partition are serialised by its checkpoint lock; two partitions carry one sensor only while
 * the topic is repartitioned, and then two transactions may merge the same reading at once.
 */
describe('aggregator dedup per sensor and minute', { timeout: 60_000 }, () => {
  it('merges a reading once when two transactions carry it concurrently: the later one fails and its retry skips it', async (t) => {
    const database = await createTestDatabase()
    t.after(() => database.drop())
    const storage = new PostgresStorage({ connectionString: database.url })
    t.after(() => storage.close())
    await storage.migrate()
    const repository = new WindowsRepository(storage.db, 'dedup', 'temperatures')
    const merge = (readings: Reading[]) =>
      storage.db
        .transaction()
        .execute((trx) => repository.mergeReadings(trx, ReadingColumns.of(readings), SPECS, 'windows'))

    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    // Partition 0 merges the reading at 1 s and holds its transaction open.
    const first = storage.db.transaction().execute(async (trx) => {
      const merged = await repository.mergeReadings(trx, ReadingColumns.of([at(1000, 0)]), SPECS, 'windows')
      await held
      return merged
    })
    await sleep(300)
    // Partition 1 carries the same reading and a new one: it waits for partition 0's row.
    const second = merge([at(1000, 1, 99), at(2000, 1)]).then(
      () => undefined,
      (error: unknown) => error as Error,
    )
    await sleep(500)
    release()
    assert.deepEqual(await first, { merged: 1, corrections: 0 })
    const failure = await second
    assert.match(failure?.message ?? '', /merged readings of the same sensor and minute concurrently/)

    // The loop retries the batch: the reading at 1 s is a duplicate now, the one at 2 s is new.
    assert.deepEqual(await merge([at(1000, 1, 99), at(2000, 1)]), { merged: 1, corrections: 0 })
    // A redelivery of both changes nothing.
    assert.deepEqual(await merge([at(1000, 1, 99), at(2000, 1)]), { merged: 0, corrections: 0 })

    const { rows } = await sql<{ count: string; max: number; offsets: number[] }>`
      SELECT w.count, w.max, m.offsets FROM measurement_windows w
      JOIN aggregated_minutes m ON m.sensor_id = w.sensor_id
      WHERE w.sensor_id = 's-1'`.execute(storage.db)
    assert.equal(rows.length, 1)
    assert.equal(Number(rows[0]?.count), 2, 'two readings in the window, the shared one once')
    assert.equal(rows[0]?.max, 20, 'the first merge of the shared reading counts, not the copy at 99')
    assert.deepEqual(
      [...(rows[0]?.offsets ?? [])].sort((a, b) => a - b),
      [1_000_000, 2_000_000],
      'µs after the minute',
    )
  })
})
