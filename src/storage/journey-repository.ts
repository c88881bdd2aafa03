import { type Kysely, sql } from 'kysely'
import type { Schema } from './schema.ts'

/** The stored row of a reading with where the saver read it in the log. */
export interface JourneyRow {
  readonly id: string
  /** now() of the inserting transaction. */
  readonly storedAt: Date
  /** When that transaction committed; null unless PostgreSQL keeps commit times (track_commit_timestamp). */
  readonly committedAt: Date | null
  readonly logPartition: number | null
  readonly logOffset: string | null
  /** The record's log timestamp: when ingest handed it to the log. */
  readonly logTime: Date | null
}

/** A dead letter of the reading, as the journey shows it. */
export interface JourneyDeadLetter {
  readonly id: string
  readonly sourceTopic: string
  readonly sourcePartition: number
  readonly sourceOffset: string
  readonly reason: string
  readonly field: string | null
  readonly failedAt: Date
  readonly status: string
  readonly actedBy: string | null
  readonly actedAt: Date | null
  readonly redriveCount: number
}

/**
 * What the database knows of one reading's way through the pipeline, for a journey that was not
 * sampled: its row (by the `(sensor_id, ts)` key, compared as the saver wrote it) and its dead
 * letters (by the `dead_letters_reading_idx` index). Two index lookups.
 */
export class JourneyRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async row(sensorId: string, timestampMs: number): Promise<JourneyRow | undefined> {
    const row = await this.#db
      .selectFrom('measurements')
      .select([
        'id',
        'ingested_at',
        'log_partition',
        'log_offset',
        'log_time',
        // pg_xact_commit_timestamp fails when the setting is off: CASE keeps it from being called.
        sql<Date | null>`CASE WHEN current_setting('track_commit_timestamp') = 'on'
                              THEN pg_xact_commit_timestamp(xmin) END`.as('committed_at'),
      ])
      .where('sensor_id', '=', sensorId)
      .where('ts', '=', sql<Date>`to_timestamp(${timestampMs}::float8 / 1000)`)
      .executeTakeFirst()
    if (!row) return undefined
    return {
      id: String(row.id),
      storedAt: row.ingested_at,
      committedAt: row.committed_at === null ? null : new Date(row.committed_at),
      logPartition: row.log_partition,
      logOffset: row.log_offset === null ? null : String(row.log_offset),
      logTime: row.log_time,
    }
  }

  async deadLetters(sensorId: string, timestampMs: number): Promise<JourneyDeadLetter[]> {
    const rows = await this.#db
      .selectFrom('dead_letters')
      .select([
        'id',
        'source_topic',
        'source_partition',
        'source_offset',
        'reason',
        'field',
        'failed_at',
        'status',
        'acted_by',
        'acted_at',
        'redrive_count',
      ])
      .where('sensor_id', '=', sensorId)
      // Written as a Date by the dead-letter saver, so compared as one.
      .where('measured_at', '=', new Date(timestampMs))
      .orderBy('id')
      .limit(100)
      .execute()
    return rows.map((row) => ({
      id: String(row.id),
      sourceTopic: row.source_topic,
      sourcePartition: row.source_partition,
      sourceOffset: String(row.source_offset),
      reason: row.reason,
      field: row.field,
      failedAt: row.failed_at,
      status: row.status,
      actedBy: row.acted_by,
      actedAt: row.acted_at,
      redriveCount: row.redrive_count,
    }))
  }
}
