import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'
import { createMeasurementsEnriched } from './0008-etl.ts'

/**
 * `measurements.sensor_id` compares byte by byte (`COLLATE "C"`) whatever the database's locale.
 * Each insert compares its sensor id with the keys of a binary search on every level of the
 * primary key's index; under a language's locale (`en_US.utf8`, the `postgres` image's default)
 * each comparison calls the C library's strcoll, under C it is a memcmp. End to end that put
 * PostgreSQL at 17.2 µs of CPU a stored row against 9.2–9.4 (bench/README.md#collation). On a
 * database made with C (ours, PGlite's, CloudNativePG's) nothing changes but the catalog.
 *
 * Rows sort differently only where they are ordered by sensor (`Sensor-b` before `sensor-a`);
 * equality is the same under every deterministic collation. The column's type change rebuilds the
 * primary key's index of every partition, holding an exclusive lock on the table while it runs:
 * on a large table, run `flowline migrate` when a pause of the savers is acceptable.
 */
export const measurementsSensorIdBytewise: Migration = {
  async up(db: Kysely<unknown>) {
    await collateSensorId(db, sql`"C"`)
  },
  async down(db: Kysely<unknown>) {
    await collateSensorId(db, sql`"default"`)
  },
}

/** A view that reads the column blocks its type change: it goes, and comes back unchanged. */
async function collateSensorId(db: Kysely<unknown>, collation: ReturnType<typeof sql>): Promise<void> {
  await sql`DROP VIEW measurements_enriched`.execute(db)
  await sql`ALTER TABLE measurements ALTER COLUMN sensor_id TYPE text COLLATE ${collation}`.execute(db)
  await createMeasurementsEnriched(db)
}
