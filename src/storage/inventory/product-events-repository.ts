import { type Kysely, sql } from 'kysely'
import type { ProductEventV1 } from '../../inventory/inventory-schemas.ts'
import type { Schema } from '../schema.ts'

export interface StoredProductEvent {
  readonly event_id: string
  readonly sku: string
  readonly type: string
  readonly timestamp: string
  readonly quantity: number
  readonly session_id: string | null
  readonly customer_id: string | null
}

/** Product events, appended once per `event_id`. */
export class ProductEventsRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Appends in one statement; an event_id already stored (or twice in the batch) is skipped. Returns the count appended. */
  async append(events: readonly ProductEventV1[]): Promise<number> {
    if (events.length === 0) return 0
    const result = await sql<{ n: number }>`
      WITH appended AS (
        INSERT INTO product_events (event_id, sku, type, at, quantity, session_id, customer_id)
        SELECT * FROM unnest(${events.map((e) => e.event_id)}::text[], ${events.map((e) => e.sku)}::text[],
                             ${events.map((e) => e.type)}::text[], ${events.map((e) => e.timestamp)}::timestamptz[],
                             ${events.map((e) => e.quantity ?? 1)}::int[], ${events.map((e) => e.session_id ?? null)}::text[],
                             ${events.map((e) => e.customer_id ?? null)}::text[])
        ON CONFLICT (event_id) DO NOTHING
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM appended`.execute(this.#db)
    return result.rows[0]?.n ?? 0
  }

  /** A product's events, newest first, before the (at, event_id) keyset position. */
  async ofProduct(
    sku: string,
    limit: number,
    before?: { tsMs: number; id: string },
  ): Promise<StoredProductEvent[]> {
    const { rows } = await sql<Omit<StoredProductEvent, 'timestamp'> & { at: Date }>`
      SELECT event_id, sku, type, at, quantity, session_id, customer_id FROM product_events
      WHERE sku = ${sku}
        ${before ? sql`AND (at, event_id) < (${new Date(before.tsMs).toISOString()}::timestamptz, ${before.id})` : sql``}
      ORDER BY at DESC, event_id DESC LIMIT ${limit}`.execute(this.#db)
    return rows.map(({ at, ...row }) => ({ ...row, timestamp: at.toISOString() }))
  }
}
