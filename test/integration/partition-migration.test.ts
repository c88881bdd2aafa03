import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { type Kysely, sql } from 'kysely'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { createMigrator } from '../../src/storage/migrations/index.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { migrationsFrom } from '../helpers/migration-names.ts'
import { createTestDatabase } from '../helpers/services.ts'

const DAY = 86_400_000

/** Every column of every row, in a stable order, as text so both adapters compare the same way. */
async function snapshot(db: Kysely<unknown>, table: string) {
  const { rows } = await sql<Record<string, string>>`
    SELECT id::text, sensor_id, temperature::text, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS ts,
           ingested_at::text FROM ${sql.table(table)} ORDER BY id`.execute(db)
  return rows
}

/** The sensors summary as text, from the table (before 0015) or the view that adds pending readings. */
async function summary(db: Kysely<unknown>, relation: 'sensors' | 'sensor_summaries') {
  const { rows } = await sql<Record<string, string>>`
    SELECT sensor_id, measurement_count::text, first_seen::text, last_seen::text, last_temperature::text
      FROM ${sql.table(relation)} ORDER BY sensor_id`.execute(db)
  return rows
}

/**
 * Builds today's unpartitioned schema (migrations 0001 and 0002), fills it through the saver's
 * own insert (recent days, decades-old and far-future rows, a gap in the ids from a conflict),
 * migrates, and compares every row.
 */
async function migrateFilledTable(storage: Storage) {
  const db = storage.db as unknown as Kysely<unknown>
  const stepped = await createMigrator(db).migrateTo('0002-sensors-fillfactor')
  assert.equal(stepped.error, undefined)
  // Today's insert writes the column 0007 adds (humidity, nullable): give the old table that column
  // so the saver's own statement fills it. 0004 copies its named columns; 0007 adds humidity if absent.
  await sql`ALTER TABLE measurements ADD COLUMN humidity double precision`.execute(db)
  const repository = new MeasurementsRepository(storage.db)
  const now = Date.now()
  const batch = []
  for (let i = 0; i < 3000; i++) {
    batch.push({
      sensorId: `mig-${i % 37}`,
      temperature: i / 10,
      timestampMs: now - (i % 20) * DAY - i * 1000,
    })
  }
  batch.push({ sensorId: 'mig-old', temperature: 1, timestampMs: Date.parse('1999-12-31T23:59:59.999Z') })
  batch.push({ sensorId: 'mig-future', temperature: 2, timestampMs: now + 400 * DAY })
  // The saver's insert as on a schema before 0015: the summary upserted in the statement.
  assert.equal(await repository.insertBatch(batch, undefined, 'upsert'), batch.length)
  assert.equal(
    await repository.insertBatch(batch.slice(0, 10), undefined, 'upsert'),
    0,
    'a redelivery uses up ids and inserts nothing',
  )
  const before = await snapshot(db, 'measurements')
  const sensorsBefore = await summary(db, 'sensors')

  const applied = await storage.migrate()
  // 0003 (the aggregator's tables), 0005 (the platform's), 0006 and 0012 (dead letters), 0008 (ETL)
  // and 0014 (token scopes, login failures) do not touch `measurements`, 0010 only adds views, 0007
  // and 0011 only add nullable columns; they are pending here too.
  assert.deepEqual(applied, migrationsFrom('0003-stream-windows'))
  const after = await snapshot(db, 'measurements')
  assert.equal(after.length, before.length)
  assert.deepEqual(after, before, 'every row kept, once, with its id and timestamps')
  assert.deepEqual(await summary(db, 'sensor_summaries'), sensorsBefore)

  const { rows: partitions } = await sql<{ partition: string; n: number }>`
    SELECT tableoid::regclass::text AS partition, count(*)::int AS n FROM measurements GROUP BY 1`.execute(db)
  const inDefault = partitions.find((row) => row.partition === 'measurements_default')?.n ?? 0
  assert.equal(inDefault, 2, 'only the rows outside the recent days go to the default partition')
  assert.ok(partitions.length >= 21, `recent days get their own partitions (${partitions.length})`)

  assert.equal(await repository.insertBatch(batch), 0, 'the idempotency key still holds after the migration')
  assert.equal(await repository.insertBatch([{ sensorId: 'mig-new', temperature: 3, timestampMs: now }]), 1)
  const [newest] = await repository.recent({ limit: 1, sensorId: 'mig-new' })
  const maxOld = Math.max(...before.map((row) => Number(row.id)))
  assert.ok(Number(newest?.id) > maxOld, 'new ids continue after the old ones')
  const { rows: leftovers } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'measurements_unpartitioned%'`.execute(db)
  assert.equal(leftovers[0]?.n, 0, 'the old table, its indexes and sequence are gone')

  const converted = await snapshot(db, 'measurements')
  const summarised = await summary(db, 'sensor_summaries')
  const down = await createMigrator(db).migrateTo('0002-sensors-fillfactor')
  assert.equal(down.error, undefined, 'the migration can be rolled back')
  assert.deepEqual(await snapshot(db, 'measurements'), converted, 'and the rollback keeps every row too')
  assert.deepEqual(await summary(db, 'sensors'), summarised, "0015's rollback folds the pending readings")
  assert.deepEqual(await storage.migrate(), migrationsFrom('0003-stream-windows'))
}

test('migration 0004 converts a filled unpartitioned table on a PostgreSQL server without losing or duplicating rows', async (t) => {
  const { url, drop } = await createTestDatabase()
  const storage = new PostgresStorage({ connectionString: url })
  t.after(async () => {
    await storage.close()
    await drop()
  })
  await migrateFilledTable(storage)
})

test('migration 0004 converts a filled unpartitioned table on PGlite without losing or duplicating rows', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-pglite-'))
  const storage = new PGliteStorage({ dataDir: dir })
  t.after(async () => {
    await storage.close()
    await rm(dir, { recursive: true, force: true, maxRetries: 10 })
  })
  await migrateFilledTable(storage)
})
