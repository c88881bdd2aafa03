import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * Takes the `sensors` upsert off the saver's insert (41–47 % of that statement's PostgreSQL CPU in
 * the 2026-12-02 profile):
 * - `sensor_summary_deltas`: one row per saved batch holding its readings really inserted, as
 *   three arrays (sensor, time, temperature), and their number (read inline, without the arrays,
 *   to decide when a fold is worth it). No index, and the arrays are stored uncompressed out of
 *   line (STORAGE EXTERNAL): appending costs a heap tuple and its TOAST chunks per batch, no
 *   lookup, no row lock, no compression. The saver folds the rows into `sensors` once they hold
 *   several readings per sensor, or every 10 seconds (src/roles/saver/summary-folding.ts). One
 *   row per (batch, sensor) instead cost PostgreSQL several times more per reading to append and
 *   to delete (bench/README.md#summary).
 * - `sensor_summaries`: `sensors` combined with the readings not folded yet, the view every
 *   reader uses, so the figures are exact between folds and on a read replica, which cannot fold.
 *   A condition on `sensor_id` reaches both branches through the GROUP BY and UNION ALL.
 * Rows saved before this migration are in `sensors` already: nothing to move.
 */
export const sensorSummaryDeltas: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`
      CREATE TABLE sensor_summary_deltas (
        readings integer NOT NULL,
        sensor_ids text[] NOT NULL,
        ts timestamptz[] NOT NULL,
        temperatures double precision[] NOT NULL
      )`.execute(db)
    await sql`
      ALTER TABLE sensor_summary_deltas
        ALTER sensor_ids SET STORAGE EXTERNAL,
        ALTER ts SET STORAGE EXTERNAL,
        ALTER temperatures SET STORAGE EXTERNAL`.execute(db)
    await createSensorSummaries(db)
  },
  async down(db: Kysely<unknown>) {
    // The pending readings go into `sensors` first, or the counts would lose them; the lock keeps
    // a saver from appending a batch between this fold and the drop.
    await sql`LOCK TABLE sensor_summary_deltas IN EXCLUSIVE MODE`.execute(db)
    await sql`
      INSERT INTO sensors AS s (sensor_id, measurement_count, first_seen, last_seen, last_temperature)
      SELECT sensor_id, measurement_count, first_seen, last_seen, last_temperature
        FROM sensor_summaries
      ON CONFLICT (sensor_id) DO UPDATE SET
        measurement_count = excluded.measurement_count,
        first_seen = excluded.first_seen,
        last_seen = excluded.last_seen,
        last_temperature = excluded.last_temperature`.execute(db)
    await sql`DROP VIEW sensor_summaries`.execute(db)
    await sql`DROP TABLE sensor_summary_deltas`.execute(db)
  },
}

/** The view every reader of the summary uses; made again by migrations that change a column it reads. */
export async function createSensorSummaries(db: Kysely<unknown>): Promise<void> {
  // A reading's (sensor_id, ts) is unique, so two rows of one sensor never share a last_seen:
  // the last temperature is that of the greatest last_seen, whatever the order of the rows (the
  // greatest [epoch, temperature] pair, as the fold takes it: see sensor-summary.ts).
  await sql`
    CREATE VIEW sensor_summaries AS
    SELECT sensor_id, sum(measurement_count)::bigint AS measurement_count,
           min(first_seen) AS first_seen, max(last_seen) AS last_seen,
           (max(ARRAY[date_part('epoch', last_seen), last_temperature]))[2] AS last_temperature
      FROM (SELECT sensor_id, measurement_count, first_seen, last_seen, last_temperature FROM sensors
            UNION ALL
            SELECT r.sensor_id, 1, r.ts, r.ts, r.temperature
              FROM sensor_summary_deltas d,
                   unnest(d.sensor_ids, d.ts, d.temperatures) AS r(sensor_id, ts, temperature)) parts
     GROUP BY sensor_id`.execute(db)
}
