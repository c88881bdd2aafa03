/**
 * The saver's INSERT on PGlite alone: rows per second for `MeasurementsRepository.insertBatch`
 * on a fresh durable PGlite in a temporary directory, batches sent one after another, as the
 * embedded saver sends them. PGlite runs on this thread, so the figure is wall-clock rows/s.
 *
 *   node bench/pglite-insert.bench.ts [--rows 200000] [--sensors 20000] [--batch 500] [--sql "ALTER ..."]
 *                                     [--order in-turn|shuffled]
 *
 * `--sql` runs a statement after the migrations, to try a schema change against the same workload.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { MeasurementsRepository } from '../src/storage/measurements-repository.ts'
import { PGliteStorage } from '../src/storage/pglite-storage.ts'
import { type BatchOrder, timedInsertBatches } from './lib/insert-batches.ts'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    sensors: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '500' },
    sql: { type: 'string' },
    order: { type: 'string', default: 'in-turn' },
  },
})
const rows = Number(values.rows)
const sensors = Number(values.sensors)
const batchSize = Number(values.batch)

const directory = await mkdtemp(join(tmpdir(), 'flowline-pglite-bench-'))
const storage = new PGliteStorage({ dataDir: join(directory, 'pglite') })
try {
  await storage.migrate()
  if (values.sql) await sql.raw(values.sql).execute(storage.db)
  const repository = new MeasurementsRepository(storage.db)
  const { seconds, longestBatchMs } = await timedInsertBatches(
    { rows, sensors, batchSize, order: values.order as BatchOrder },
    (batch) => repository.insertBatch(batch),
  )
  const stored = await repository.count()
  if (stored !== rows) throw new Error(`expected ${rows} rows, found ${stored}`)
  console.log(
    JSON.stringify({
      rows,
      sensors,
      batchSize,
      sql: values.sql ?? null,
      order: values.order,
      rowsPerSecond: Math.round(rows / seconds),
      longestBatchMs: Math.round(longestBatchMs),
    }),
  )
} finally {
  await storage.close()
  await rm(directory, { recursive: true, force: true })
}
