import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { sql } from 'kysely'
import { startSummaryFolding } from '../../src/roles/saver/summary-folding.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { migratedPGlite } from '../helpers/pglite.ts'
import { quietLogger } from '../helpers/pipeline.ts'

test("the saver's folding folds what a stopped saver left at start, then what is due, and stops cleanly", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-fold-'))
  const storage = await migratedPGlite(dir)
  t.after(async () => {
    await storage.close()
    await rm(dir, { recursive: true, force: true, maxRetries: 10 })
  })
  const repository = new MeasurementsRepository(storage.db)
  const reading = (sensorId: string, ms: number) => ({
    sensorId,
    temperature: ms,
    timestampMs: 1_767_225_600_000 + ms,
  })
  await repository.insertBatch([reading('left-a', 1), reading('left-a', 2), reading('left-b', 1)])
  const folded = async () => {
    const { rows } = await sql<{ pending: number; counted: number }>`
      SELECT (SELECT count(*) FROM sensor_summary_deltas)::int AS pending,
             (SELECT coalesce(sum(measurement_count), 0) FROM sensors)::int AS counted`.execute(storage.db)
    return rows[0]
  }

  const folding = await startSummaryFolding(storage, quietLogger())
  assert.deepEqual(await folded(), { pending: 0, counted: 3 }, 'folded at start')
  // 2 sensors seen in a fold: 10 readings over them are due at the next check, a second later.
  await repository.insertBatch(
    Array.from({ length: 10 }, (_, i) => reading(`left-${i % 2 ? 'a' : 'b'}`, 10 + i)),
  )
  const deadline = Date.now() + 5_000
  while ((await folded())?.pending !== 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100))
  assert.deepEqual(await folded(), { pending: 0, counted: 13 })
  await folding.stop()
  await repository.insertBatch([reading('left-a', 100)])
  await new Promise((r) => setTimeout(r, 1_500))
  assert.deepEqual(await folded(), { pending: 1, counted: 13 }, 'nothing folds after stop')
  assert.equal(
    (await repository.sensors()).reduce((sum, s) => sum + s.count, 0),
    14,
    'readers still count it',
  )
})
