/**
 * The saver's INSERT alone: PostgreSQL CPU per row and rows per second for
 * `MeasurementsRepository.insertBatch`, on a fresh database of the real server, one connection,
 * batches sent one after another. PostgreSQL's CPU is read from /proc for the backend serving the
 * connection, so the figure is the server's own cost whatever else runs on the machine.
 *
 *   node bench/sql-insert.bench.ts [--rows 300000] [--sensors 20000] [--batch 5000] [--sql "ALTER ..."]
 *                                  [--without-summary] [--without-positions] [--fold-ms N]
 *                                  [--order in-turn|shuffled] [--locale en_US.UTF-8]
 *
 * `--sql` runs a statement after the migrations, to try a schema change (for example
 * `ALTER TABLE sensors SET (fillfactor = 50)`) against the same workload. `--without-summary`
 * sends the same INSERT without the `sensors` upsert, to price the summary. `--without-positions`
 * leaves out the log positions (partition, offset, log time) the saver keeps for the journey view.
 * `--order shuffled` sends each batch's readings in random order, as a saver's batch comes from
 * the log, instead of sensor after sensor. `--locale` makes the database with that collation
 * (an OS locale) instead of the server's: sensor ids are text, compared in the primary key's index
 * at every insert, and a server made with `initdb --no-locale` (ours) compares them bytewise while
 * one made with a language's locale (the `postgres` image's default) calls the C library's strcoll.
 *
 * The insert appends the readings for the summary; the saver folds them into `sensors`. The bench
 * folds as the saver does (a check every second, a fold when due), or every `--fold-ms` whatever
 * is pending, between batches on the same connection, and once more at the end:
 * `postgresMicrosPerRow` includes the checks and folds, `foldMicrosPerRow` is their part (summed
 * over them, each read in 10 ms ticks).
 */
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { cpuSecondsOf, SHARED_DATABASE_URL, scratchDatabase } from '../harness/index.ts'
import { foldIsDue } from '../src/roles/saver/summary-folding.ts'
import { MeasurementsRepository } from '../src/storage/measurements-repository.ts'
import { PostgresStorage } from '../src/storage/postgres-storage.ts'
import { foldSensorSummaryDeltas, pendingReadings } from '../src/storage/sensor-summary.ts'
import { type BatchOrder, timedInsertBatches } from './lib/insert-batches.ts'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    sensors: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '5000' },
    sql: { type: 'string' },
    'without-summary': { type: 'boolean' },
    'without-positions': { type: 'boolean' },
    'fold-ms': { type: 'string' },
    order: { type: 'string', default: 'in-turn' },
    locale: { type: 'string' },
  },
})
const rows = Number(values.rows)
const sensors = Number(values.sensors)
const batchSize = Number(values.batch)
const foldMs = values['fold-ms'] === undefined ? undefined : Number(values['fold-ms'])

/** User + system CPU of a process, in µs (the kernel counts in ticks of 10 ms). */
const cpuMicros = (pid: number) => cpuSecondsOf(pid) * 1e6

const database = await scratchDatabase(SHARED_DATABASE_URL, { locale: values.locale })
const storage = new PostgresStorage({ connectionString: database.url, maxConnections: 1 })

/** The saver's statement without its `sensors` upsert. */
async function insertWithoutSummary(
  batch: readonly { sensorId: string; temperature: number; timestampMs: number }[],
) {
  await sql`
    INSERT INTO measurements (sensor_id, temperature, ts)
    SELECT sensor_id, temperature, to_timestamp(ms / 1000)
    FROM unnest(${batch.map((m) => m.sensorId)}::text[], ${batch.map((m) => m.temperature)}::float8[],
                ${batch.map((m) => m.timestampMs)}::float8[]) AS batch(sensor_id, temperature, ms)
    ON CONFLICT (sensor_id, ts) DO NOTHING`.execute(storage.db)
}
try {
  await storage.migrate()
  if (values.sql) await sql.raw(values.sql).execute(storage.db)
  const repository = new MeasurementsRepository(storage.db)
  const { rows: backend } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(storage.db)
  const pid = backend[0]?.pid ?? 0
  const cpuBefore = cpuMicros(pid)
  const clientBefore = process.cpuUsage()
  // The saver's folding (src/roles/saver/summary-folding.ts): a check every second, a fold when due.
  let foldMicros = 0
  let lastCheckAt = performance.now()
  let checksSinceFold = Number.POSITIVE_INFINITY
  let sensorsSeen = 0
  const foldAll = async () => {
    let sensors = 0
    for (let folded = { batches: 1, sensors: 0 }; folded.batches > 0; sensors += folded.sensors)
      folded = await foldSensorSummaryDeltas(storage.db)
    sensorsSeen = Math.max(sensorsSeen, sensors)
  }
  const check = async () => {
    const before = cpuMicros(pid)
    const due =
      foldMs !== undefined || foldIsDue(await pendingReadings(storage.db), sensorsSeen, checksSinceFold++)
    if (due) {
      checksSinceFold = 0
      await foldAll()
    }
    foldMicros += cpuMicros(pid) - before
    lastCheckAt = performance.now()
  }
  const { seconds } = await timedInsertBatches(
    { rows, sensors, batchSize, order: values.order as BatchOrder },
    async (batch, positions) => {
      if (values['without-summary']) return insertWithoutSummary(batch)
      await repository.insertBatch(batch, values['without-positions'] ? undefined : positions)
      if (performance.now() - lastCheckAt >= (foldMs ?? 1000)) await check()
    },
  )
  if (!values['without-summary']) {
    const before = cpuMicros(pid)
    await foldAll()
    foldMicros += cpuMicros(pid) - before
  }
  const serverMicros = cpuMicros(pid) - cpuBefore
  const client = process.cpuUsage(clientBefore)
  const stored = await repository.count()
  if (stored !== rows) throw new Error(`expected ${rows} rows, found ${stored}`)
  const { rows: collation } = await sql<{ datcollate: string }>`
    SELECT datcollate FROM pg_database WHERE datname = current_database()`.execute(storage.db)
  const summed = (await repository.sensors()).reduce((sum, sensor) => sum + sensor.count, 0)
  if (!values['without-summary'] && summed !== rows)
    throw new Error(`expected the summary to count ${rows} rows, it counts ${summed}`)
  console.log(
    JSON.stringify({
      rows,
      sensors,
      batchSize,
      sql: values.sql ?? null,
      order: values.order,
      collation: collation[0]?.datcollate,
      summary: !values['without-summary'],
      positions: !values['without-positions'],
      rowsPerSecond: Math.round(rows / seconds),
      foldMs: foldMs ?? 'saver',
      postgresMicrosPerRow: Number((serverMicros / rows).toFixed(1)),
      foldMicrosPerRow: Number((foldMicros / rows).toFixed(1)),
      // This process: building the batches and pg's encoding of the parameters.
      clientMicrosPerRow: Number(((client.user + client.system) / rows).toFixed(1)),
    }),
  )
} finally {
  await storage.close()
  await database.drop()
}
