import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'
import { DAY_MS, partitionName, startOfDay } from '../measurement-partitions.ts'

/**
 * Days of existing rows that get their own partition when the table is converted. Older (and
 * far-future) rows go
 * to the default partition, where retention deletes them row by row; a table with rows scattered
 * over decades would otherwise become thousands of partitions.
 */
const RECENT_DAYS = 90
/** Partitions created ahead by the migration itself; the saver's maintenance keeps the rest. */
const DAYS_AHEAD = 2

async function createDayPartition(db: Kysely<unknown>, dayMs: number): Promise<void> {
  const from = new Date(dayMs).toISOString()
  const to = new Date(dayMs + DAY_MS).toISOString()
  await sql`CREATE TABLE ${sql.id(partitionName(dayMs))} PARTITION OF measurements
            FOR VALUES FROM (${sql.lit(from)}) TO (${sql.lit(to)})`.execute(db)
}

/** Renames the table and what carries its name (constraints, index, sequence), freeing the names. */
async function setAside(db: Kysely<unknown>, table: string, constraints: readonly string[]): Promise<void> {
  await sql`ALTER TABLE measurements RENAME TO ${sql.id(table)}`.execute(db)
  for (const constraint of constraints) {
    const renamed = constraint.replace(/^measurements/, table)
    await sql`ALTER TABLE ${sql.id(table)} RENAME CONSTRAINT ${sql.id(constraint)} TO ${sql.id(renamed)}`.execute(
      db,
    )
  }
  await sql`ALTER INDEX measurements_ts_id_idx RENAME TO ${sql.id(`${table}_ts_id_idx`)}`.execute(db)
  await sql`ALTER SEQUENCE measurements_id_seq RENAME TO ${sql.id(`${table}_id_seq`)}`.execute(db)
}

/** Copies every row with its id into the new `measurements`, continues the ids after them, drops the old table. */
async function moveRows(db: Kysely<unknown>, from: string): Promise<void> {
  await sql`
    INSERT INTO measurements (id, sensor_id, temperature, ts, ingested_at) OVERRIDING SYSTEM VALUE
    SELECT id, sensor_id, temperature, ts, ingested_at FROM ${sql.table(from)}`.execute(db)
  await sql`SELECT setval(pg_get_serial_sequence('measurements', 'id'),
                          coalesce((SELECT max(id) FROM measurements), 0) + 1, false)`.execute(db)
  await sql`DROP TABLE ${sql.table(from)}`.execute(db)
}

/**
 * Makes `measurements` a table partitioned by day on `ts` (UTC days, native range partitions),
 * with a default partition so that a timestamp whose day has no partition is still stored and
 * can never stall the saver.
 *
 * Keys: a unique index on a partitioned table must contain the partition key. `(sensor_id, ts)`,
 * the idempotency key of ON CONFLICT, does, so it becomes the primary key and stays enforced over
 * the whole table (a given `ts` lives in exactly one partition). `id` keeps its identity sequence
 * (GENERATED ALWAYS: only the sequence assigns it), which is what makes it unique; it is the
 * tie-breaker of the admin cursor, not a key, so no index pays for enforcing it.
 *
 * Conversion: the old table is renamed, every row is copied with its id (OVERRIDING SYSTEM
 * VALUE), the sequence continues after the largest id, and the old table is dropped, all in the
 * migration's transaction: a saver blocked on the lock meanwhile resolves the name again and
 * writes to the new table, so nothing is lost or written twice.
 */
export const partitionMeasurements: Migration = {
  async up(db: Kysely<unknown>) {
    await setAside(db, 'measurements_unpartitioned', ['measurements_pkey', 'measurements_sensor_id_ts_key'])

    await sql`
      CREATE TABLE measurements (
        id bigint GENERATED ALWAYS AS IDENTITY,
        sensor_id text NOT NULL,
        temperature double precision NOT NULL,
        ts timestamptz NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT measurements_pkey PRIMARY KEY (sensor_id, ts)
      ) PARTITION BY RANGE (ts)`.execute(db)
    // GET /measurements without a sensor filter walks this index newest first, with id as the tie-breaker of the cursor.
    await sql`CREATE INDEX measurements_ts_id_idx ON measurements (ts DESC, id DESC)`.execute(db)
    await sql`CREATE TABLE measurements_default PARTITION OF measurements DEFAULT`.execute(db)

    const today = startOfDay(Date.now())
    const { rows } = await sql<{ day: number }>`
      SELECT DISTINCT (floor(extract(epoch FROM ts) / 86400) * 86400000)::float8 AS day
      FROM measurements_unpartitioned
      WHERE ts >= ${new Date(today - RECENT_DAYS * DAY_MS).toISOString()}::timestamptz
        AND ts < ${new Date(today + (DAYS_AHEAD + 1) * DAY_MS).toISOString()}::timestamptz`.execute(db)
    const days = new Set(rows.map((row) => Number(row.day)))
    for (let ahead = 0; ahead <= DAYS_AHEAD; ahead++) days.add(today + ahead * DAY_MS)
    for (const day of [...days].sort((a, b) => a - b)) await createDayPartition(db, day)

    await moveRows(db, 'measurements_unpartitioned')
  },

  async down(db: Kysely<unknown>) {
    await setAside(db, 'measurements_partitioned', ['measurements_pkey'])
    await sql`
      CREATE TABLE measurements (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sensor_id text NOT NULL,
        temperature double precision NOT NULL,
        ts timestamptz NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT measurements_sensor_id_ts_key UNIQUE (sensor_id, ts)
      )`.execute(db)
    await sql`CREATE INDEX measurements_ts_id_idx ON measurements (ts DESC, id DESC)`.execute(db)
    await moveRows(db, 'measurements_partitioned')
  },
}
