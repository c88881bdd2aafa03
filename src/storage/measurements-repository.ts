import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Measurement } from '../domain/measurement.ts'
import { scalarArray, textArray } from './pg-array.ts'
import type { Schema } from './schema.ts'
import { upsertSensorsFrom } from './sensor-summary.ts'
import { isInsertConflict } from './storage-errors.ts'

export interface StoredMeasurement {
  readonly id: string
  readonly sensor_id: string
  readonly temperature: number
  readonly timestamp: string
  /** Only in rows saved from version 2 readings that carried it. */
  readonly humidity?: number
}

/** Where the saver read a record: its partition, offset and log timestamp (epoch ms). */
export interface LogPosition {
  readonly partition: number
  readonly offset: bigint
  readonly timestampMs: number
}

export interface SensorSummary {
  readonly sensor_id: string
  readonly count: number
  readonly first_seen: string
  readonly last_seen: string
  readonly last_temperature: number
}

export interface RecentQuery {
  readonly limit: number
  readonly sensorId?: string
  readonly fromMs?: number
  readonly toMs?: number
  /** Keyset position: rows strictly older than this (ts, id) pair. */
  readonly before?: { readonly tsMs: number; readonly id: string }
}

/**
 * Writes measurements exactly once and answers the admin queries. The same SQL runs on a
 * PostgreSQL server and on PGlite.
 */
export class MeasurementsRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * Whether migration 0011's log-position columns exist. A saver running against an older schema
   * (a migration still to come, applied while it runs) stores rows without them.
   */
  async hasLogPositionColumns(): Promise<boolean> {
    // The catalog, not information_schema: its views cost PGlite a second or more.
    const { rows } = await sql`
      SELECT 1 FROM pg_attribute
      WHERE attrelid = to_regclass('measurements') AND attname = 'log_partition' AND NOT attisdropped`.execute(
      this.#db,
    )
    return rows.length > 0
  }

  /** Whether migration 0015's `sensor_summary_deltas` exists (see `hasLogPositionColumns`). */
  async hasSummaryDeltas(): Promise<boolean> {
    const { rows } = await sql`SELECT to_regclass('sensor_summary_deltas') IS NOT NULL AS present`.execute(
      this.#db,
    )
    return (rows[0] as { present?: boolean } | undefined)?.present === true
  }

  /**
   * Inserts a batch in one statement and one transaction: rows whose `(sensor_id, ts)` exists
   * are skipped, and the sensors summary counts only the rows really inserted. Returns that count.
   * `summary` 'append' adds them to `sensor_summary_deltas`, for the saver's fold; 'upsert' (a
   * schema before migration 0015) updates `sensors` in the statement, as the saver did before.
   * `positions` (one per measurement, same order) keeps where each record sat in the log, for the
   * journey of an unsampled measurement; without them (an ETL import) those columns stay NULL.
   */
  async insertBatch(
    measurements: readonly Measurement[],
    positions?: readonly LogPosition[],
    summary: 'append' | 'upsert' = 'append',
  ): Promise<number> {
    if (measurements.length === 0) return 0
    // Array literals built in one pass (pg-array.ts): pg's own serialiser took ~450 ns a row for
    // the three, these ~225 (measured 2026-12-03; PostgreSQL parses the same text either way).
    const sensorIds = textArray(measurements.map((m) => m.sensorId))
    const temperatures = scalarArray(measurements.map((m) => m.temperature))
    // Epoch milliseconds as float8: nothing to format here nor parse in PostgreSQL, which cut its
    // CPU per row by 10–25 % (measured); to_timestamp rounds to the microsecond, so a ms is exact.
    const timestampsMs = scalarArray(measurements.map((m) => m.timestampMs))
    // Optional columns are named only when the batch has them: a batch without a v2 field names
    // no `humidity`, so a saver started before migration 0007 keeps storing v1 batches while the
    // column is added (test/integration/live-migration.test.ts); `positions` likewise for 0011.
    const optional: {
      column: RawBuilder<unknown>
      array: RawBuilder<unknown>
      value: RawBuilder<unknown>
    }[] = []
    if (measurements.some((m) => m.humidity !== undefined))
      optional.push({
        column: sql`humidity`,
        array: sql`${scalarArray(measurements.map((m) => m.humidity))}::float8[]`,
        value: sql`humidity`,
      })
    // Where each record sat in the log. Numbers only, joined into array literals (pg-array.ts):
    // the three cost the saver 1.0 to 1.5 µs of CPU per row and PostgreSQL nothing measurable
    // (bench/README.md#tracing).
    if (positions)
      optional.push(
        {
          column: sql`log_partition`,
          array: sql`${scalarArray(positions.map((p) => p.partition))}::int4[]`,
          value: sql`log_partition`,
        },
        {
          column: sql`log_offset`,
          array: sql`${scalarArray(positions.map((p) => p.offset))}::int8[]`,
          value: sql`log_offset`,
        },
        {
          column: sql`log_time`,
          array: sql`${scalarArray(positions.map((p) => p.timestampMs))}::float8[]`,
          value: sql`to_timestamp(log_time / 1000)`,
        },
      )
    const extra = (part: 'column' | 'array' | 'value') =>
      optional.length === 0 ? sql`` : sql`, ${sql.join(optional.map((o) => o[part]))}`
    // Appended, the summary costs the statement no grouping, no lookup and no row lock: the rows
    // really inserted as one row of three arrays. The saver folds them into `sensors`
    // (sensor-summary.ts); readers add those not folded yet (the `sensor_summaries` view).
    const summaryStep =
      summary === 'append'
        ? sql`
          INSERT INTO sensor_summary_deltas (readings, sensor_ids, ts, temperatures)
          SELECT count(*), array_agg(sensor_id), array_agg(ts), array_agg(temperature) FROM inserted
          HAVING count(*) > 0
          RETURNING 1`
        : sql`
          WITH per_sensor AS (
            SELECT sensor_id, count(*) AS n, min(ts) AS first_seen, max(ts) AS last_seen,
                   (array_agg(temperature ORDER BY ts DESC))[1] AS last_temperature
            FROM inserted GROUP BY sensor_id
          )
          ${upsertSensorsFrom('per_sensor')}`
    // Rows go in grouped by sensor: a saver's batch interleaves sensors, and consecutive inserts
    // into one leaf of the primary key's index find it in cache. Within a sensor they keep the
    // batch's (the log's) order, so ids still follow it (fault suite P6; sorting by time broke
    // that whenever a sensor's clock stepped back). Bytewise ("C"), since any order groups them:
    // under a database's language collation the sort would call strcoll (bench/README.md#collation).
    // bench/README.md#insert-order has the figures.
    const rowsInOrder = (arrays: RawBuilder<unknown>, from = sql``) => sql`
        INSERT INTO measurements (sensor_id, temperature, ts${extra('column')})
        SELECT sensor_id, temperature, to_timestamp(ms / 1000)${extra('value')}
        FROM ${from}unnest(${arrays}${extra('array')})
          WITH ORDINALITY AS batch(sensor_id, temperature, ms${extra('column')}, position)
        ORDER BY sensor_id COLLATE "C", position`
    const insertReturning = (skipExisting: boolean) =>
      sql<{ inserted: number }>`
      WITH inserted AS (${rowsInOrder(sql`${sensorIds}::text[], ${temperatures}::float8[], ${timestampsMs}::float8[]`)}
        ${skipExisting ? sql`ON CONFLICT (sensor_id, ts) DO NOTHING` : sql``}
        RETURNING sensor_id, temperature, ts
      ), summary AS (${summaryStep})
      SELECT count(*)::int AS inserted FROM inserted`.execute(this.#db)
    // A plain insert stores every row or fails, so the summary appends the readings as they were
    // sent, a one-row CTE of the three arrays, instead of collecting back the rows it inserted
    // (RETURNING, then array_agg of each column): about 0.3 µs a row less of PostgreSQL's CPU
    // (bench/README.md#summary-append).
    const insertAll = () =>
      summary === 'append'
        ? sql<{ inserted: number }>`
      WITH sent AS (
        SELECT ${sensorIds}::text[] AS sent_ids, ${temperatures}::float8[] AS sent_temperatures,
               ${timestampsMs}::float8[] AS sent_ms
      ), inserted AS (${rowsInOrder(sql`sent_ids, sent_temperatures, sent_ms`, sql`sent, `)}
      ), summary AS (
        INSERT INTO sensor_summary_deltas (readings, sensor_ids, ts, temperatures)
        SELECT cardinality(sent_ids), sent_ids, ARRAY(SELECT to_timestamp(m / 1000) FROM unnest(sent_ms) AS m),
               sent_temperatures
        FROM sent
      )
      SELECT cardinality(sent_ids) AS inserted FROM sent`.execute(this.#db)
        : insertReturning(false)
    // Plainly first: a batch rarely holds a row stored already, and ON CONFLICT inserts every row
    // speculatively (PostgreSQL's CPU a stored row in the batched E2E run: 11.5–11.9 µs with it,
    // 9.1–9.2 without; bench/results/plain-insert-2026-12-03/). A redelivered batch or a client's
    // retry fails the statement, which left nothing behind, mostly at its first row; then the
    // batch goes in again skipping what is there.
    const result = await insertAll().catch((error: unknown) => {
      if (!isInsertConflict(error)) throw error
      return insertReturning(true)
    })
    return result.rows[0]?.inserted ?? 0
  }

  /** Newest first, with optional sensor and time filters, walking back from a keyset cursor. */
  async recent(query: RecentQuery): Promise<StoredMeasurement[]> {
    let select = this.#db
      .selectFrom('measurements')
      .select(['id', 'sensor_id', 'temperature', 'ts', 'humidity'])
      .orderBy('ts', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
    if (query.sensorId !== undefined) select = select.where('sensor_id', '=', query.sensorId)
    if (query.fromMs !== undefined) select = select.where('ts', '>=', new Date(query.fromMs))
    if (query.toMs !== undefined) select = select.where('ts', '<', new Date(query.toMs))
    if (query.before) {
      const { tsMs, id } = query.before
      select = select.where(
        sql<boolean>`(ts, id) < (${new Date(tsMs).toISOString()}::timestamptz, ${id}::bigint)`,
      )
    }
    const rows = await select.execute()
    return rows.map((row) => ({
      id: String(row.id),
      sensor_id: row.sensor_id,
      temperature: row.temperature,
      timestamp: row.ts.toISOString(),
      ...(row.humidity === null ? {} : { humidity: row.humidity }),
    }))
  }

  /** Every sensor seen, with its count, first and last reading time and last temperature. */
  async sensors(): Promise<SensorSummary[]> {
    const rows = await this.#db.selectFrom('sensor_summaries').selectAll().orderBy('sensor_id').execute()
    return rows.map((row) => ({
      sensor_id: row.sensor_id,
      count: Number(row.measurement_count),
      first_seen: row.first_seen.toISOString(),
      last_seen: row.last_seen.toISOString(),
      last_temperature: row.last_temperature,
    }))
  }

  /**
   * The stored row of a reading, if any, with when it was stored. The time is compared the way
   * the saver wrote it (`to_timestamp(ms / 1000)`), so a millisecond matches exactly.
   */
  async find(
    sensorId: string,
    timestampMs: number,
  ): Promise<(StoredMeasurement & { readonly stored_at: string }) | undefined> {
    const row = await this.#db
      .selectFrom('measurements')
      .select(['id', 'sensor_id', 'temperature', 'ts', 'ingested_at'])
      .where('sensor_id', '=', sensorId)
      .where('ts', '=', sql<Date>`to_timestamp(${timestampMs}::float8 / 1000)`)
      .executeTakeFirst()
    if (!row) return undefined
    return {
      id: String(row.id),
      sensor_id: row.sensor_id,
      temperature: row.temperature,
      timestamp: row.ts.toISOString(),
      stored_at: row.ingested_at.toISOString(),
    }
  }

  /** Total rows, for tests and the checker of the fault suite. */
  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('measurements')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }
}
