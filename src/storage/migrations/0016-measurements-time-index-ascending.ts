import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * The index that serves `GET /measurements` newest first becomes `(ts, id)` instead of
 * `(ts DESC, id DESC)`. PostgreSQL walks a B-tree backwards as cheaply as forwards, so the reads
 * do not change; the writes do. Readings arrive roughly in time order, and in a descending index
 * each new one belongs on the leftmost leaf: every insert descends from the root, and a full page
 * splits in half, leaving both halves half empty for good. Ascending, new keys land on the
 * rightmost leaf, where PostgreSQL keeps the leaf's block to skip the descent and splits leave the
 * old page full. Measured on PostgreSQL 15 (1,000,000 rows 10 ms apart, the index alone): 54 MB
 * against 30 MB, and 1.7–2.0 s against 1.3–1.7 s to insert them.
 *
 * Built before the old one is dropped, in the migration's transaction, so a reader always finds
 * one of them. On a partitioned table the build locks each partition against writes while it runs.
 */
export const measurementsTimeIndexAscending: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE INDEX measurements_ts_id_asc_idx ON measurements (ts, id)`.execute(db)
    await sql`DROP INDEX measurements_ts_id_idx`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    await sql`CREATE INDEX measurements_ts_id_idx ON measurements (ts DESC, id DESC)`.execute(db)
    await sql`DROP INDEX measurements_ts_id_asc_idx`.execute(db)
  },
}
