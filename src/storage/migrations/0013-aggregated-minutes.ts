import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * `aggregated_minutes` replaces `aggregated_readings`: the `(sensor_id, ts)` pairs the aggregator
 * merged, one row per sensor and minute holding the microseconds after the minute's start of each
 * (`offsets`), instead of one row and one B-tree entry per reading. A batch then writes one row per
 * sensor and minute it touches, so the dedup's cost follows sensors, not readings (the per-reading
 * insert cost about as much PostgreSQL CPU as the saver's own insert). A minute of µs fits an int4.
 * Updates rewrite the row in place often: fillfactor 70 leaves room for HOT updates.
 */
export const aggregatedMinutes: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`
      CREATE TABLE aggregated_minutes (
        sensor_id text NOT NULL,
        minute bigint NOT NULL,
        offsets int4[] NOT NULL,
        PRIMARY KEY (sensor_id, minute)
      ) WITH (fillfactor = 70)`.execute(db)
    await sql`
      INSERT INTO aggregated_minutes (sensor_id, minute, offsets)
      SELECT sensor_id, us / 60000000, array_agg((us % 60000000)::int4 ORDER BY us)
      FROM (SELECT sensor_id, (extract(epoch FROM ts) * 1000000)::int8 AS us FROM aggregated_readings) r
      GROUP BY sensor_id, us / 60000000`.execute(db)
    await sql`DROP TABLE aggregated_readings`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    await sql`
      CREATE TABLE aggregated_readings (
        sensor_id text NOT NULL,
        ts timestamptz NOT NULL,
        PRIMARY KEY (sensor_id, ts)
      )`.execute(db)
    await sql`
      INSERT INTO aggregated_readings (sensor_id, ts)
      SELECT sensor_id, to_timestamp((minute * 60000000 + o) / 1000000.0)
      FROM aggregated_minutes, unnest(offsets) AS o`.execute(db)
    await sql`DROP TABLE aggregated_minutes`.execute(db)
  },
}
