import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * The measurements table and the per-sensor summary.
 *
 * Idempotency key: `(sensor_id, ts)`. A sensor cannot take two readings at the same instant,
 * so a second row with the same pair is a redelivery or a client retry and is skipped with
 * ON CONFLICT DO NOTHING. The unique index also serves "one sensor, newest first".
 */
export const createMeasurements: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('measurements')
      .addColumn('id', 'bigint', (column) => column.generatedAlwaysAsIdentity().primaryKey())
      .addColumn('sensor_id', 'text', (column) => column.notNull())
      .addColumn('temperature', 'double precision', (column) => column.notNull())
      .addColumn('ts', 'timestamptz', (column) => column.notNull())
      .addColumn('ingested_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
      .addUniqueConstraint('measurements_sensor_id_ts_key', ['sensor_id', 'ts'])
      .execute()
    // GET /measurements without a sensor filter walks this index newest first, with id as the tie-breaker of the cursor.
    await sql`CREATE INDEX measurements_ts_id_idx ON measurements (ts DESC, id DESC)`.execute(db)
    await db.schema
      .createTable('sensors')
      .addColumn('sensor_id', 'text', (column) => column.primaryKey())
      .addColumn('measurement_count', 'bigint', (column) => column.notNull())
      .addColumn('first_seen', 'timestamptz', (column) => column.notNull())
      .addColumn('last_seen', 'timestamptz', (column) => column.notNull())
      .addColumn('last_temperature', 'double precision', (column) => column.notNull())
      .execute()
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('sensors').execute()
    await db.schema.dropTable('measurements').execute()
  },
}
