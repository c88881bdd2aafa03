import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Migration } from 'kysely/migration'
import { createMeasurementsEnriched } from './0008-etl.ts'
import { createReportViews } from './0010-report-views.ts'
import { createSensorSummaries } from './0015-sensor-summary-deltas.ts'

/** The text keys of the tables a saver writes at every batch: the sensor, and a window's size after it. */
const TEXT_KEYS = [
  ['measurements', 'sensor_id'],
  ['sensors', 'sensor_id'],
  ['measurement_windows', 'sensor_id'],
  ['measurement_windows', 'size'],
  ['aggregated_minutes', 'sensor_id'],
] as const

/**
 * `sensor_id` compares byte by byte (`COLLATE "C"`) in the tables a saver writes at every batch,
 * and so does the window size after it in `measurement_windows`' key, whatever the database's
 * locale. Each insert compares its sensor id with the keys of a binary search on every level of a
 * primary key's index; under a language's locale (`en_US.utf8`, the `postgres` image's default)
 * each comparison calls the C library's strcoll, under C it is a memcmp. On an en_US.UTF-8
 * database the batched bench stored 46,111–48,667 measurements/s at 21.0–22.6 µs of PostgreSQL
 * CPU a row before, 82,120/s at 9.9 µs after (C: 70,997–80,877/s at 9.2–9.4;
 * bench/README.md#collation). On a database made with C (ours, PGlite's, CloudNativePG's) rows
 * compare as before.
 *
 * Rows sort differently only where they are ordered by these columns (`Sensor-b` before
 * `sensor-a`); equality is the same under every deterministic collation, and a column of the
 * database's default collation compared with these takes theirs. The rows stay where they are, but
 * the indexes that hold the columns are built again (their collation changes, on a C database
 * too), each table locked exclusively while it runs: on large tables run `flowline migrate` when a
 * pause of the savers is acceptable.
 */
export const sensorIdBytewise: Migration = {
  async up(db: Kysely<unknown>) {
    await collateSensorIds(db, sql`"C"`)
  },
  async down(db: Kysely<unknown>) {
    await collateSensorIds(db, sql`"default"`)
  },
}

/** Views reading a column block its type change: they go, and come back unchanged. */
async function collateSensorIds(db: Kysely<unknown>, collation: RawBuilder<unknown>): Promise<void> {
  await createReportViews.down?.(db)
  await sql`DROP VIEW sensor_summaries`.execute(db)
  await sql`DROP VIEW measurements_enriched`.execute(db)
  for (const [table, column] of TEXT_KEYS)
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} TYPE text COLLATE ${collation}`.execute(
      db,
    )
  await createMeasurementsEnriched(db)
  await createSensorSummaries(db)
  await createReportViews.up(db)
}
