import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * Dead letters an operator can act on.
 *
 * - `dead_letters`: one row per entry of the errors topic, keyed for idempotency by that entry's
 *   own coordinates (`errors_topic`, `errors_partition`, `errors_offset`): the consumer inserts with
 *   ON CONFLICT DO NOTHING and commits offsets after the transaction, as the saver does. The source
 *   record's coordinates are unique too, so a record the saver dead-lettered twice (a crash
 *   between its publish and its commit) shows once. `payload` keeps the source record's bytes;
 *   `sensor_id` and `measured_at` are read from it when it parses, for the delivery lookup.
 * - `dead_letter_redrives`: bulk redrives, their filter and progress, so that any admin replica
 *   answers how far one got.
 */
export const createDeadLetters: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`
      CREATE TABLE dead_letters (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        errors_topic text NOT NULL,
        errors_partition integer NOT NULL,
        errors_offset bigint NOT NULL,
        source_topic text NOT NULL,
        source_partition integer NOT NULL,
        source_offset bigint NOT NULL,
        source_key text,
        payload bytea NOT NULL,
        reason text NOT NULL,
        field text,
        category text NOT NULL DEFAULT 'permanent' CHECK (category = 'permanent'),
        sensor_id text,
        measured_at timestamptz,
        failed_at timestamptz NOT NULL,
        first_seen timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'redriven', 'discarded')),
        acted_by text,
        acted_at timestamptz,
        redrive_count integer NOT NULL DEFAULT 0,
        UNIQUE (errors_topic, errors_partition, errors_offset),
        UNIQUE (source_topic, source_partition, source_offset)
      )`.execute(db)
    // GET /dead-letters walks newest first, usually narrowed by status.
    await sql`CREATE INDEX dead_letters_status_id_idx ON dead_letters (status, id DESC)`.execute(db)
    // GET /measurements/lookup: what happened to this sensor's reading at this time.
    await sql`CREATE INDEX dead_letters_reading_idx ON dead_letters (sensor_id, measured_at) WHERE sensor_id IS NOT NULL`.execute(
      db,
    )
    await sql`
      CREATE TABLE dead_letter_redrives (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        filter jsonb NOT NULL,
        matched integer NOT NULL,
        redriven integer NOT NULL DEFAULT 0,
        skipped integer NOT NULL DEFAULT 0,
        state text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
        error text,
        started_by text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    await sql`DROP TABLE dead_letter_redrives`.execute(db)
    await sql`DROP TABLE dead_letters`.execute(db)
  },
}
