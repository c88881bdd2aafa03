import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * The aggregator's tables.
 *
 * - `measurement_windows`: one row per sensor, window size and window start, holding mergeable
 *   state (count, min, max, sum, sum of squares, first and last reading) so that a record merges
 *   into its row with one upsert, in any order. `final` turns true when the watermark passes the
 *   window's end; a later record bumps `revision`.
 * - `aggregated_readings`: the `(sensor_id, ts)` pairs already merged. The saver skips a duplicate
 *   with the unique key of `measurements`; the aggregator needs its own, or a redelivered or
 *   client-retried reading would be counted twice.
 * - `stream_offsets`: the next offset per group and partition, written in the same transaction as
 *   the windows (the checkpoint), with the highest event time seen for the watermark.
 * - `stream_outbox`: events (closed windows, corrections, alert transitions) written in that
 *   transaction and published to the broker after it commits.
 * - `alert_rules`, `alert_state`, `alerts`: threshold rules (a row without sensor is the global
 *   default), the per-sensor evaluation state, and one row per transition (a `resolved` row carries the
 *   `opened_at` of the alert it closes; the unique key keeps each transition once).
 */
export const createStreamWindows: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`
      CREATE TABLE measurement_windows (
        sensor_id text NOT NULL,
        size text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        source_partition integer NOT NULL,
        count bigint NOT NULL,
        min double precision NOT NULL,
        max double precision NOT NULL,
        sum double precision NOT NULL,
        sum_squares double precision NOT NULL,
        first_ts timestamptz NOT NULL,
        first_value double precision NOT NULL,
        last_ts timestamptz NOT NULL,
        last_value double precision NOT NULL,
        final boolean NOT NULL DEFAULT false,
        revision integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sensor_id, size, window_start)
      ) WITH (fillfactor = 70)`.execute(db)
    // Closing looks for the open windows of a partition whose end the watermark passed.
    await sql`CREATE INDEX measurement_windows_open_idx ON measurement_windows (source_partition, window_end) WHERE NOT final`.execute(
      db,
    )
    // GET /windows without a sensor walks one size newest first.
    await sql`CREATE INDEX measurement_windows_size_start_idx ON measurement_windows (size, window_start DESC, sensor_id DESC)`.execute(
      db,
    )
    await sql`
      CREATE TABLE aggregated_readings (
        sensor_id text NOT NULL,
        ts timestamptz NOT NULL,
        PRIMARY KEY (sensor_id, ts)
      )`.execute(db)
    await sql`
      CREATE TABLE stream_offsets (
        group_id text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        next_offset bigint NOT NULL,
        max_event_ts timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, topic, partition)
      )`.execute(db)
    await sql`
      CREATE TABLE stream_outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        topic text NOT NULL,
        key text NOT NULL,
        value text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db)
    await sql`
      CREATE TABLE alert_rules (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sensor_id text UNIQUE,
        min_temperature double precision,
        max_temperature double precision,
        consecutive integer NOT NULL DEFAULT 1 CHECK (consecutive >= 1),
        window_size text,
        mean_above double precision,
        mean_below double precision,
        CHECK (window_size IS NOT NULL OR (mean_above IS NULL AND mean_below IS NULL))
      )`.execute(db)
    // The global default: readings outside what a common outdoor sensor reports, 3 in a row.
    await sql`INSERT INTO alert_rules (sensor_id, min_temperature, max_temperature, consecutive) VALUES (NULL, -40, 85, 3)`.execute(
      db,
    )
    await sql`
      CREATE TABLE alert_state (
        sensor_id text NOT NULL,
        kind text NOT NULL,
        breaches integer NOT NULL DEFAULT 0,
        last_ts timestamptz,
        open_since timestamptz,
        PRIMARY KEY (sensor_id, kind)
      ) WITH (fillfactor = 70)`.execute(db)
    await sql`
      CREATE TABLE alerts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sensor_id text NOT NULL,
        kind text NOT NULL,
        state text NOT NULL CHECK (state IN ('open', 'resolved')),
        at timestamptz NOT NULL,
        opened_at timestamptz NOT NULL,
        value double precision NOT NULL,
        reason text NOT NULL,
        UNIQUE (sensor_id, kind, opened_at, state)
      )`.execute(db)
    await sql`CREATE INDEX alerts_state_id_idx ON alerts (state, id DESC)`.execute(db)
    await sql`CREATE INDEX alerts_sensor_id_idx ON alerts (sensor_id, id DESC)`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    for (const table of [
      'alerts',
      'alert_state',
      'alert_rules',
      'stream_outbox',
      'stream_offsets',
      'aggregated_readings',
      'measurement_windows',
    ])
      await db.schema.dropTable(table).execute()
  },
}
