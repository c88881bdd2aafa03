import { type Kysely, type SelectQueryBuilder, sql, type Transaction } from 'kysely'
import type { DeadLetterStatus, Schema } from './schema.ts'

/** A row of `dead_letters` as the dead-letter saver writes it. */
export interface DeadLetterEntry {
  readonly errorsTopic: string
  readonly errorsPartition: number
  readonly errorsOffset: bigint
  readonly sourceTopic: string
  readonly sourcePartition: number
  readonly sourceOffset: bigint
  readonly sourceKey: string | null
  readonly payload: Buffer
  readonly reason: string
  readonly field: string | null
  readonly sensorId: string | null
  readonly measuredAtMs: number | null
  readonly failedAtMs: number
  /** The W3C trace context the errors record carried, so a redrive continues its trace. */
  readonly traceparent?: string | null
}

/** Filters of GET /dead-letters and of a bulk redrive. */
export interface DeadLetterFilter {
  readonly status?: DeadLetterStatus
  /** Part of the reason, any case. */
  readonly reason?: string
  readonly field?: string
  readonly sourceTopic?: string
  /** Bounds on when the record failed: [fromMs, toMs). */
  readonly fromMs?: number
  readonly toMs?: number
}

/** A row as the API shows it. */
export interface DeadLetter {
  readonly id: string
  readonly status: DeadLetterStatus
  readonly reason: string
  readonly field: string | null
  readonly category: 'permanent'
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string }
  readonly errors_record: { readonly topic: string; readonly partition: number; readonly offset: string }
  readonly key: string | null
  readonly sensor_id: string | null
  readonly measured_at: string | null
  readonly failed_at: string
  readonly first_seen: string
  readonly acted_by: string | null
  readonly acted_at: string | null
  readonly redrive_count: number
  readonly payload_bytes: number
}

/** A dead letter with its payload bytes, as `show` and a redrive need it. */
export interface DeadLetterWithPayload extends DeadLetter {
  readonly payload: Buffer
  /** The trace context the entry carried, if any: a redrive sends it on. */
  readonly traceparent: string | null
  /** The corrected payload the last redrive sent; null when it sent the original bytes. */
  readonly redriven_payload: string | null
}

type Db = Kysely<Schema> | Transaction<Schema>
type Row = Awaited<ReturnType<ReturnType<typeof selectRows>['executeTakeFirstOrThrow']>>

const selectRows = (db: Db) =>
  db.selectFrom('dead_letters').selectAll().select(sql<number>`octet_length(payload)`.as('payload_bytes'))

const iso = (value: Date | null) => (value === null ? null : value.toISOString())

function toDeadLetter(row: Row): DeadLetter {
  return {
    id: String(row.id),
    status: row.status,
    reason: row.reason,
    field: row.field,
    category: row.category,
    source: { topic: row.source_topic, partition: row.source_partition, offset: String(row.source_offset) },
    errors_record: {
      topic: row.errors_topic,
      partition: row.errors_partition,
      offset: String(row.errors_offset),
    },
    key: row.source_key,
    sensor_id: row.sensor_id,
    measured_at: iso(row.measured_at),
    failed_at: row.failed_at.toISOString(),
    first_seen: row.first_seen.toISOString(),
    acted_by: row.acted_by,
    acted_at: iso(row.acted_at),
    redrive_count: row.redrive_count,
    payload_bytes: Number(row.payload_bytes),
  }
}

function withPayload(row: Row): DeadLetterWithPayload {
  return {
    ...toDeadLetter(row),
    payload: Buffer.from(row.payload),
    traceparent: row.traceparent,
    redriven_payload: row.redriven_payload,
  }
}

function filtered<O>(
  select: SelectQueryBuilder<Schema, 'dead_letters', O>,
  filter: DeadLetterFilter,
): SelectQueryBuilder<Schema, 'dead_letters', O> {
  let query = select
  if (filter.status !== undefined) query = query.where('status', '=', filter.status)
  if (filter.field !== undefined) query = query.where('field', '=', filter.field)
  if (filter.sourceTopic !== undefined) query = query.where('source_topic', '=', filter.sourceTopic)
  if (filter.fromMs !== undefined) query = query.where('failed_at', '>=', new Date(filter.fromMs))
  if (filter.toMs !== undefined) query = query.where('failed_at', '<', new Date(filter.toMs))
  if (filter.reason !== undefined)
    query = query.where(sql<boolean>`strpos(lower(reason), lower(${filter.reason})) > 0`)
  return query
}

/** The `dead_letters` table: written by the dead-letter saver, read and acted on by the admin API. */
export class DeadLettersRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * Inserts errors-topic entries in one statement; an entry seen before (same errors record, or
   * the same source record dead-lettered twice) is skipped. Returns how many rows were new.
   */
  async insertEntries(entries: readonly DeadLetterEntry[]): Promise<number> {
    if (entries.length === 0) return 0
    const result = await this.#db
      .insertInto('dead_letters')
      .values(
        entries.map((entry) => ({
          errors_topic: entry.errorsTopic,
          errors_partition: entry.errorsPartition,
          errors_offset: entry.errorsOffset.toString(),
          source_topic: entry.sourceTopic,
          source_partition: entry.sourcePartition,
          source_offset: entry.sourceOffset.toString(),
          source_key: entry.sourceKey,
          payload: entry.payload,
          reason: entry.reason,
          field: entry.field,
          sensor_id: entry.sensorId,
          measured_at: entry.measuredAtMs === null ? null : new Date(entry.measuredAtMs),
          failed_at: new Date(entry.failedAtMs),
          traceparent: entry.traceparent ?? null,
        })),
      )
      .onConflict((conflict) => conflict.doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0)
  }

  /** Newest first, filtered, strictly older than the id `beforeId` (keyset paging). */
  async list(filter: DeadLetterFilter, limit: number, beforeId?: string): Promise<DeadLetter[]> {
    let select = filtered(selectRows(this.#db), filter).orderBy('id', 'desc').limit(limit)
    if (beforeId !== undefined) select = select.where('id', '<', beforeId)
    return (await select.execute()).map(toDeadLetter)
  }

  async get(id: string): Promise<DeadLetterWithPayload | undefined> {
    const row = await selectRows(this.#db).where('id', '=', id).executeTakeFirst()
    return row && withPayload(row)
  }

  /** How many dead letters match, and the first `sample` of them (oldest first, the order a bulk redrive takes). */
  async matching(filter: DeadLetterFilter, sample: number): Promise<{ count: number; items: DeadLetter[] }> {
    const counted = await filtered(this.#db.selectFrom('dead_letters'), filter)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    const items = await filtered(selectRows(this.#db), filter).orderBy('id', 'asc').limit(sample).execute()
    return { count: Number(counted.n), items: items.map(toDeadLetter) }
  }

  /** One dead letter, locked until `trx` ends, so that two redrives of it take turns. */
  async lock(trx: Transaction<Schema>, id: string): Promise<DeadLetterWithPayload | undefined> {
    const row = await selectRows(trx).where('id', '=', id).forUpdate().executeTakeFirst()
    return row && withPayload(row)
  }

  /**
   * The next `limit` letters of a filter after id `afterId`, oldest first, locked until `trx`
   * ends; letters another transaction holds are left for it.
   */
  async lockNext(
    trx: Transaction<Schema>,
    filter: DeadLetterFilter,
    afterId: string,
    limit: number,
  ): Promise<DeadLetterWithPayload[]> {
    const rows = await filtered(selectRows(trx), filter)
      .where('id', '>', afterId)
      .orderBy('id', 'asc')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute()
    return rows.map(withPayload)
  }

  /**
   * Marks letters acted on by `actor` now. A redrive also records what it sent: `corrected`, or
   * null for the original bytes, so a later redrive of the original does not keep an old correction.
   */
  async setStatus(
    db: Db,
    ids: readonly string[],
    status: DeadLetterStatus,
    actor: string,
    corrected?: string,
  ): Promise<void> {
    if (ids.length === 0) return
    await db
      .updateTable('dead_letters')
      .set((eb) => ({
        status,
        acted_by: actor,
        acted_at: new Date(),
        redrive_count: status === 'redriven' ? eb('redrive_count', '+', 1) : eb.ref('redrive_count'),
        ...(status === 'redriven' && { redriven_payload: corrected ?? null }),
      }))
      .where('id', 'in', ids)
      .execute()
  }

  /** The newest dead letter of a reading (sensor, event time), for the delivery lookup. */
  async ofReading(sensorId: string, timestampMs: number): Promise<DeadLetter | undefined> {
    const row = await selectRows(this.#db)
      .where('sensor_id', '=', sensorId)
      .where('measured_at', '=', new Date(timestampMs))
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row && toDeadLetter(row)
  }
}
