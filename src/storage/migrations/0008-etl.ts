import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * The ETL's tables. pg-boss keeps the queue itself in its own schema (`pgboss`, created by
 * pg-boss at start); these hold what people monitor.
 *
 * - `etl_runs`: one row per run, the same id as its pg-boss job. Status, the current attempt,
 *   progress and counts are written by the worker while it runs (`heartbeat_at` says when last).
 * - `etl_run_logs`: the run's log lines, in order.
 * - `etl_rejects`: every rejected input row of an import, with its line number and reason.
 * - `daily_rollups`: per sensor and per site, per UTC day (pipeline `daily-rollups`).
 * - `sensor_metadata`: registry metadata copied by the `enrich` pipeline; `measurements_enriched`
 *   joins it to history for the dashboards.
 */
export const createEtl: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`
      CREATE TABLE etl_runs (
        id uuid PRIMARY KEY,
        pipeline text NOT NULL,
        params jsonb NOT NULL,
        status text NOT NULL
          CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        trigger text NOT NULL,
        retry_of uuid,
        attempt integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        progress_done bigint NOT NULL DEFAULT 0,
        progress_total bigint,
        progress_unit text NOT NULL DEFAULT 'items',
        rows_read bigint NOT NULL DEFAULT 0,
        rows_valid bigint NOT NULL DEFAULT 0,
        rows_rejected bigint NOT NULL DEFAULT 0,
        rows_loaded bigint NOT NULL DEFAULT 0,
        rows_duplicates bigint NOT NULL DEFAULT 0,
        error text,
        worker text,
        cancel_requested boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        heartbeat_at timestamptz,
        finished_at timestamptz
      )`.execute(db)
    await sql`CREATE INDEX etl_runs_created ON etl_runs (created_at DESC)`.execute(db)
    await sql`CREATE INDEX etl_runs_pipeline_status ON etl_runs (pipeline, status, created_at DESC)`.execute(
      db,
    )
    await sql`
      CREATE TABLE etl_run_logs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES etl_runs (id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT now(),
        level text NOT NULL,
        message text NOT NULL
      )`.execute(db)
    await sql`CREATE INDEX etl_run_logs_run ON etl_run_logs (run_id, id)`.execute(db)
    await sql`
      CREATE TABLE etl_rejects (
        run_id uuid NOT NULL REFERENCES etl_runs (id) ON DELETE CASCADE,
        line bigint NOT NULL,
        reason text NOT NULL,
        raw text NOT NULL,
        PRIMARY KEY (run_id, line)
      )`.execute(db)
    await sql`
      CREATE TABLE daily_rollups (
        scope text NOT NULL CHECK (scope IN ('sensor', 'site')),
        key text NOT NULL,
        day date NOT NULL,
        count bigint NOT NULL,
        min double precision NOT NULL,
        max double precision NOT NULL,
        mean double precision NOT NULL,
        p50 double precision NOT NULL,
        p95 double precision NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key, day)
      )`.execute(db)
    await sql`
      CREATE TABLE sensor_metadata (
        sensor_id text PRIMARY KEY,
        site text,
        location text,
        tags text[] NOT NULL DEFAULT '{}',
        refreshed_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db)
    await createMeasurementsEnriched(db)
  },
  async down(db: Kysely<unknown>) {
    await sql`DROP VIEW IF EXISTS measurements_enriched`.execute(db)
    for (const table of ['sensor_metadata', 'daily_rollups', 'etl_rejects', 'etl_run_logs', 'etl_runs'])
      await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db)
  },
}

/** The view the dashboards read; made again by migrations that change a column it reads. */
export async function createMeasurementsEnriched(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW measurements_enriched AS
      SELECT m.sensor_id, m.ts, m.temperature, s.site, s.location, s.tags
      FROM measurements m LEFT JOIN sensor_metadata s USING (sensor_id)`.execute(db)
}
