import { type Kysely, sql, type Transaction } from 'kysely'
import type { WindowSpec } from '../../domain/window-spec.ts'
import { scalarArray, textArray } from '../../storage/pg-array.ts'
import type { Schema } from '../../storage/schema.ts'
import type { ReadingColumns } from './reading-columns.ts'
import {
  groupIntoMinutes,
  groupMinutesIntoWindows,
  type MinuteGroup,
  type WindowGroup,
} from './window-groups.ts'
import { windowEventJson } from './window-sql.ts'

/** A validated reading with the partition it came from. */
export interface Reading {
  readonly sensorId: string
  readonly temperature: number
  readonly timestampMs: number
  readonly partition: number
}

/** The checkpoint of one partition: the next offset to apply (−1 when none was) and the newest event time. */
export interface Checkpoint {
  readonly nextOffset: bigint
  readonly newestEventMs: number | undefined
}

export interface ClosedWindow {
  readonly sensorId: string
  readonly size: string
  readonly windowStartMs: number
  readonly mean: number
}

type Db = Kysely<Schema> | Transaction<Schema>
const toMs = (value: unknown) => (value === null || value === undefined ? undefined : Number(value))

/** The aggregator's SQL: one statement per step of a batch, the same on PostgreSQL and PGlite. */
export class WindowsRepository {
  readonly #db: Kysely<Schema>
  readonly #group: string
  readonly #topic: string

  constructor(db: Kysely<Schema>, group: string, topic: string) {
    this.#db = db
    this.#group = group
    this.#topic = topic
  }

  get db(): Kysely<Schema> {
    return this.#db
  }

  /** Where a partition resumes (after the last record whose effects were committed) and its newest event time. */
  async storedCheckpoint(partition: number): Promise<Checkpoint | undefined> {
    const { rows } = await sql<{ next_offset: string | bigint; newest: number | null }>`
      SELECT next_offset, extract(epoch FROM max_event_ts) * 1000 AS newest FROM stream_offsets
      WHERE group_id = ${this.#group} AND topic = ${this.#topic} AND partition = ${partition}`.execute(
      this.#db,
    )
    const row = rows[0]
    return row ? { nextOffset: BigInt(row.next_offset), newestEventMs: toMs(row.newest) } : undefined
  }

  /**
   * Lets this transaction sort and hold a batch's windows in memory. A batch of 75,000 readings
   * from 20,000 sensors upserts ~43,000 windows: with the default 4 MB of work_mem PostgreSQL sorted
   * them with an external merge on disk (auto_explain, 2026-12-03); with 64 MB, a quicksort in
   * memory. Ends with the transaction.
   */
  async useBatchMemory(trx: Transaction<Schema>): Promise<void> {
    await sql`SET LOCAL work_mem = '64MB'`.execute(trx)
  }

  /**
   * Locks the checkpoint rows of the batch's partitions for the rest of the transaction and reads
   * them. A second member holding a batch of the same partition (a stale one after a rebalance)
   * waits here, then sees the offsets moved and applies nothing twice.
   */
  async lockCheckpoints(
    trx: Transaction<Schema>,
    partitions: readonly number[],
  ): Promise<Map<number, Checkpoint>> {
    await sql`
      INSERT INTO stream_offsets (group_id, topic, partition, next_offset)
      SELECT ${this.#group}, ${this.#topic}, p, -1 FROM unnest(${partitions}::int4[]) AS p
      ON CONFLICT DO NOTHING`.execute(trx)
    const { rows } = await sql<{ partition: number; next_offset: string | bigint; newest: number | null }>`
      SELECT partition, next_offset, extract(epoch FROM max_event_ts) * 1000 AS newest FROM stream_offsets
      WHERE group_id = ${this.#group} AND topic = ${this.#topic} AND partition = ANY(${partitions}::int4[])
      ORDER BY partition
      FOR UPDATE`.execute(trx)
    return new Map(
      rows.map((row) => [
        row.partition,
        { nextOffset: BigInt(row.next_offset), newestEventMs: toMs(row.newest) },
      ]),
    )
  }

  async saveCheckpoints(
    trx: Transaction<Schema>,
    checkpoints: ReadonlyMap<number, { nextOffset: bigint; newestEventMs: number | undefined }>,
  ): Promise<void> {
    const partitions = [...checkpoints.keys()]
    const next = partitions.map((partition) => String(checkpoints.get(partition)?.nextOffset))
    const newest = partitions.map((partition) => checkpoints.get(partition)?.newestEventMs ?? null)
    await sql`
      UPDATE stream_offsets AS o SET next_offset = c.next_offset,
        max_event_ts = greatest(o.max_event_ts, to_timestamp(c.newest / 1000)), updated_at = now()
      FROM unnest(${partitions}::int4[], ${next}::int8[], ${newest}::float8[]) AS c(partition, next_offset, newest)
      WHERE o.group_id = ${this.#group} AND o.topic = ${this.#topic} AND o.partition = c.partition`.execute(
      trx,
    )
  }

  /**
   * Merges readings into their windows. A reading whose `(sensor_id, ts)` was merged before (a
   * redelivery, a client's retry) is skipped, and of two in the batch the first in log order
   * counts, as the saver keeps the first. The fresh readings are pre-aggregated per window in
   * memory, then each window row of the batch is upserted once, set-based, with mergeable state.
   * A window already closed takes the readings too, with revision + 1 and a correction event in
   * the outbox.
   */
  async mergeReadings(
    trx: Transaction<Schema>,
    readings: ReadingColumns,
    specs: readonly WindowSpec[],
    windowsTopic: string,
  ): Promise<{ merged: number; corrections: number }> {
    if (readings.length === 0) return { merged: 0, corrections: 0 }
    const { groups, copies } = groupIntoMinutes(readings)
    const seenBefore = await this.#markAggregated(trx, groups)
    const windows = groupMinutesIntoWindows(readings, groups, seenBefore, specs)
    const corrections = await this.#upsertWindows(trx, windows, windowsTopic)
    return { merged: readings.length - copies - seenBefore.size, corrections }
  }

  /**
   * Records the readings as aggregated in `aggregated_minutes` (one row per sensor and minute, the
   * µs offsets of its readings); returns the indexes of those that already were. It takes the batch
   * grouped per sensor and minute in memory, so the statement takes one row per group (its
   * offsets as one array) and does no work per reading but reading the array; only a group whose
   * stored offsets overlap it (a duplicate, rare) is looked into offset by offset. Two partitions
   * carry one sensor only while the topic is repartitioned: if another member wrote one of these
   * readings to a minute since this statement's snapshot, the update skips that row and the batch
   * fails (retryable), to be applied again against the committed row.
   */
  async #markAggregated(trx: Transaction<Schema>, groups: readonly MinuteGroup[]): Promise<Set<number>> {
    const { rows } = await sql<{
      ord: string | number | null
      offsets: number[] | null
      groups: string | number
      written: string | number
    }>`
      WITH batch AS (
        SELECT sensor_id, minute, offsets::int4[] AS offsets, ord
        FROM unnest(${textArray(groups.map((g) => g.sensorId))}::text[], ${scalarArray(groups.map((g) => g.minute))}::int8[],
          ${textArray(groups.map((g) => `{${g.offsets.join(',')}}`))}::text[])
          WITH ORDINALITY AS g(sensor_id, minute, offsets, ord)
      ), overlapping AS (
        SELECT b.ord, b.sensor_id, b.minute, b.offsets, k.offsets AS stored FROM batch b
        JOIN aggregated_minutes k ON k.sensor_id = b.sensor_id AND k.minute = b.minute
        WHERE k.offsets && b.offsets
      ), seen AS (
        SELECT o.ord, array_agg(x) AS offsets FROM overlapping o, unnest(o.offsets) AS x
        WHERE x = ANY (o.stored) GROUP BY o.ord
      ), fresh AS (
        SELECT b.sensor_id, b.minute, b.offsets FROM batch b
        WHERE NOT EXISTS (SELECT 1 FROM overlapping o WHERE o.ord = b.ord)
        UNION ALL
        SELECT o.sensor_id, o.minute, n.offsets FROM overlapping o,
          LATERAL (SELECT array_agg(x) AS offsets FROM unnest(o.offsets) AS x WHERE NOT (x = ANY (o.stored))) AS n
        WHERE n.offsets IS NOT NULL
      ), written AS (
        INSERT INTO aggregated_minutes AS a (sensor_id, minute, offsets)
        SELECT sensor_id, minute, offsets FROM fresh ORDER BY sensor_id, minute
        ON CONFLICT (sensor_id, minute) DO UPDATE SET offsets = a.offsets || excluded.offsets
          WHERE NOT (a.offsets && excluded.offsets)
        RETURNING 1
      )
      SELECT s.ord, s.offsets, (SELECT count(*) FROM fresh) AS groups, (SELECT count(*) FROM written) AS written
      FROM (SELECT 1) AS one LEFT JOIN seen s ON true`.execute(trx)
    const first = rows[0]
    if (first && Number(first.written) !== Number(first.groups))
      throw new Error(
        'another member merged readings of the same sensor and minute concurrently; retrying the batch',
      )
    const seen = new Set<number>()
    for (const row of rows) {
      if (row.ord === null || row.offsets === null) continue
      const group = groups[Number(row.ord) - 1] as MinuteGroup
      const stored = new Set(row.offsets.map(Number))
      group.offsets.forEach((offset, i) => {
        if (stored.has(offset)) seen.add(group.indexes[i] as number)
      })
    }
    return seen
  }

  /** Upserts each window once (in key order, so two members lock rows alike); returns the corrections queued. */
  async #upsertWindows(
    trx: Transaction<Schema>,
    groups: readonly WindowGroup[],
    windowsTopic: string,
  ): Promise<number> {
    if (groups.length === 0) return 0
    // Array literals built in one pass: pg's own serialiser costs more per element than the upsert.
    const text = (pick: (group: WindowGroup) => string) => textArray(groups.map(pick))
    const column = (pick: (group: WindowGroup) => number) => scalarArray(groups.map(pick))
    const { rows } = await sql<{ corrections: number | string }>`
      WITH grouped AS (
        SELECT * FROM unnest(${text((g) => g.sensorId)}::text[], ${text((g) => g.label)}::text[],
          ${column((g) => g.startMs)}::float8[], ${column((g) => g.endMs)}::float8[],
          ${column((g) => g.partition)}::int4[], ${column((g) => g.count)}::int8[],
          ${column((g) => g.min)}::float8[], ${column((g) => g.max)}::float8[], ${column((g) => g.sum)}::float8[],
          ${column((g) => g.sumSquares)}::float8[], ${column((g) => g.firstMs)}::float8[],
          ${column((g) => g.firstValue)}::float8[], ${column((g) => g.lastMs)}::float8[],
          ${column((g) => g.lastValue)}::float8[])
          AS g(sensor_id, label, start_ms, end_ms, part, count, min, max, sum, sum_squares,
            first_ms, first_value, last_ms, last_value)
      ), merged AS (
        INSERT INTO measurement_windows AS w (sensor_id, size, window_start, window_end, source_partition, count,
          min, max, sum, sum_squares, first_ts, first_value, last_ts, last_value)
        SELECT sensor_id, label, to_timestamp(start_ms / 1000), to_timestamp(end_ms / 1000), part, count,
          min, max, sum, sum_squares, to_timestamp(first_ms / 1000), first_value, to_timestamp(last_ms / 1000),
          last_value
        FROM grouped ORDER BY sensor_id, label, start_ms
        ON CONFLICT (sensor_id, size, window_start) DO UPDATE SET
          count = w.count + excluded.count,
          min = least(w.min, excluded.min),
          max = greatest(w.max, excluded.max),
          sum = w.sum + excluded.sum,
          sum_squares = w.sum_squares + excluded.sum_squares,
          first_ts = least(w.first_ts, excluded.first_ts),
          first_value = CASE WHEN excluded.first_ts < w.first_ts THEN excluded.first_value ELSE w.first_value END,
          last_ts = greatest(w.last_ts, excluded.last_ts),
          last_value = CASE WHEN excluded.last_ts > w.last_ts THEN excluded.last_value ELSE w.last_value END,
          revision = w.revision + CASE WHEN w.final THEN 1 ELSE 0 END,
          updated_at = now()
        RETURNING w.*
      ), corrections AS (
        INSERT INTO stream_outbox (topic, key, value)
        SELECT ${windowsTopic}, merged.sensor_id, ${windowEventJson('merged')} FROM merged
        WHERE merged.final ORDER BY merged.window_end, merged.sensor_id, merged.size
        RETURNING 1
      )
      SELECT count(*) AS corrections FROM corrections`.execute(trx)
    return Number(rows[0]?.corrections ?? 0)
  }

  /**
   * Closes the open windows of `partitions` that end at or before the watermark: marks them final
   * and queues one event each in the outbox, in one statement. Returns them (for window-mean alert
   * rules) and, when `countOpen`, how many windows of these partitions stay open (a scan of every
   * open window: the tick asks, once a second, not every batch).
   */
  async closeWindows(
    trx: Db,
    partitions: readonly number[],
    watermarkMs: number,
    windowsTopic: string,
    countOpen: boolean,
  ): Promise<{ closed: ClosedWindow[]; stillOpen: number | undefined }> {
    const { rows } = await sql<{
      sensor_id: string | null
      size: string | null
      start_ms: number | null
      mean: number | null
      still_open: string | number
    }>`
      WITH closed AS (
        UPDATE measurement_windows SET final = true, updated_at = now()
        WHERE source_partition = ANY(${partitions}::int4[]) AND NOT final
          AND window_end <= to_timestamp(${watermarkMs}::float8 / 1000)
        RETURNING *
      ), queued AS (
        INSERT INTO stream_outbox (topic, key, value)
        SELECT ${windowsTopic}, closed.sensor_id, ${windowEventJson('closed')} FROM closed
        ORDER BY closed.window_end, closed.sensor_id, closed.size
      ), still AS (
        SELECT count(*) AS still_open FROM measurement_windows
        WHERE ${countOpen} AND source_partition = ANY(${partitions}::int4[]) AND NOT final
      )
      SELECT c.sensor_id, c.size, extract(epoch FROM c.window_start) * 1000 AS start_ms, c.sum / c.count AS mean,
        still.still_open
      FROM still LEFT JOIN closed c ON true`.execute(trx)
    const closed: ClosedWindow[] = []
    for (const row of rows) {
      if (row.sensor_id === null || row.size === null) continue
      closed.push({
        sensorId: row.sensor_id,
        size: row.size,
        windowStartMs: Number(row.start_ms),
        mean: Number(row.mean),
      })
    }
    // Rows the UPDATE just closed are still "open" in the statement's snapshot.
    if (!countOpen) return { closed, stillOpen: undefined }
    return { closed, stillOpen: Math.max(0, Number(rows[0]?.still_open ?? 0) - closed.length) }
  }
}
