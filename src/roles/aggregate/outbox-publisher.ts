import { type Kysely, sql } from 'kysely'
import type { Broker } from '../../broker/broker.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { Schema } from '../../storage/schema.ts'

/** Any number: it only has to differ from the other advisory locks of the database (Kysely's migration lock). */
const PUBLISHER_LOCK = 7_370_014
const PAGE = 1000

/**
 * Publishes the events the aggregator's transactions queued in `stream_outbox`, oldest first,
 * and deletes them in the transaction that read them. One publisher at a time (an advisory
 * lock, waited for), so events keep their order per key. A crash after the broker acknowledged and before
 * the delete commits publishes those events again on restart: each carries an `event-id`
 * header (sensor, size, window start and revision, or the alert transition) to recognise them.
 */
export class OutboxPublisher {
  readonly #db: Kysely<Schema>
  readonly #broker: Broker
  readonly #metrics: Metrics
  #running: Promise<void> | undefined

  constructor(db: Kysely<Schema>, broker: Broker, metrics: Metrics) {
    this.#db = db
    this.#broker = broker
    this.#metrics = metrics
  }

  /** Publishes everything queued; concurrent calls share one run. Throws if the broker or database failed. */
  publishPending(): Promise<void> {
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined
    })
    return this.#running
  }

  async #drain(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      const published = await this.#db.transaction().execute(async (trx) => {
        // Waits while another member or process publishes; it may have taken these events already.
        await sql`SELECT pg_advisory_xact_lock(${PUBLISHER_LOCK})`.execute(trx)
        const { rows } = await sql<{ id: string | bigint; topic: string; key: string; value: string }>`
          SELECT id, topic, key, value FROM stream_outbox ORDER BY id LIMIT ${PAGE}`.execute(trx)
        if (rows.length === 0) return 0
        await this.#broker.publish(
          rows.map((row) => ({
            topic: row.topic,
            key: row.key,
            value: row.value,
            headers: { 'event-id': eventId(row) },
          })),
        )
        await sql`DELETE FROM stream_outbox WHERE id = ANY(${rows.map((row) => String(row.id))}::int8[])`.execute(
          trx,
        )
        for (const row of rows) this.#metrics.outboxPublished.inc({ topic: row.topic })
        return rows.length
      })
      if (published < PAGE) return
    }
  }
}

/** What makes an event unique: a window revision or an alert transition. */
function eventId(row: { key: string; value: string }): string {
  const event = JSON.parse(row.value) as Record<string, unknown>
  if ('revision' in event) return `${row.key}|${event.size}|${event.window_start}|${event.revision}`
  return `${row.key}|${event.kind}|${event.opened_at}|${event.state}`
}
