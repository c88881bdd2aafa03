import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * Where each measurement sat in the log, so an unsampled measurement's journey still names its
 * hops (GET /measurements/journey):
 *
 * - `measurements.log_partition`, `log_offset`, `log_time`: the record's partition, offset and
 *   timestamp (the producer's create time, when ingest handed it to the log), written by the saver
 *   from the batch it already holds. NULL for rows that came another way (ETL import). Nullable
 *   without a default, so adding them rewrites nothing, on the partitioned table and its partitions.
 * - `dead_letters.traceparent`: the W3C trace context the dead-lettered record carried, so a
 *   redrive continues that trace.
 */
export const createJourneyCoordinates: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`
      ALTER TABLE measurements
        ADD COLUMN log_partition integer,
        ADD COLUMN log_offset bigint,
        ADD COLUMN log_time timestamptz`.execute(db)
    await sql`ALTER TABLE dead_letters ADD COLUMN traceparent text`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    await sql`ALTER TABLE dead_letters DROP COLUMN traceparent`.execute(db)
    await sql`
      ALTER TABLE measurements DROP COLUMN log_partition, DROP COLUMN log_offset, DROP COLUMN log_time`.execute(
      db,
    )
  },
}
