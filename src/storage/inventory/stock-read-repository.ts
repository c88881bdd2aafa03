import { type Kysely, sql } from 'kysely'
import type { Schema } from '../schema.ts'

export interface StockLevelRow {
  readonly warehouse: string
  readonly on_hand: number
  readonly reserved: number
  readonly available: number
  readonly low_stock: boolean
}

export interface MovementRow {
  readonly seq: string
  readonly movement_id: string
  readonly warehouse: string
  readonly kind: string
  readonly quantity: number
  readonly timestamp: string
  readonly reference: string | null
  readonly status: 'applied' | 'refused'
  readonly refusal: { code: string; reason: string } | null
}

export interface StockAlertRow {
  readonly id: string
  readonly sku: string
  readonly warehouse: string
  readonly state: 'open' | 'resolved'
  readonly available: number
  readonly threshold: number
  readonly at: string
}

/** What the admin API reads of the stock: levels, the ledger and low-stock alerts. */
export class StockReadRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async levels(sku: string): Promise<StockLevelRow[]> {
    const { rows } = await sql<StockLevelRow>`
      SELECT warehouse, on_hand::float8 AS on_hand, reserved::float8 AS reserved,
             (on_hand - reserved)::float8 AS available, low_stock
      FROM stock_levels WHERE sku = ${sku} ORDER BY warehouse`.execute(this.#db)
    return rows
  }

  /** A product's ledger, newest first, before the `beforeSeq` keyset position. */
  async movements(sku: string, limit: number, beforeSeq?: string): Promise<MovementRow[]> {
    const { rows } = await sql<Omit<MovementRow, 'timestamp' | 'seq'> & { at: Date; seq: string | bigint }>`
      SELECT seq, movement_id, warehouse, kind, quantity, at, reference, status, refusal
      FROM stock_movements WHERE sku = ${sku} ${beforeSeq === undefined ? sql`` : sql`AND seq < ${beforeSeq}::bigint`}
      ORDER BY seq DESC LIMIT ${limit}`.execute(this.#db)
    return rows.map(({ at, seq, refusal, ...row }) => ({
      ...row,
      seq: String(seq),
      timestamp: at.toISOString(),
      refusal: refusal ? { code: refusal.code, reason: refusal.reason } : null,
    }))
  }

  /** Low-stock transitions, newest first; `open` lists the pairs still low. */
  async alerts(state: 'open' | 'resolved' | undefined, limit: number): Promise<StockAlertRow[]> {
    const { rows } = await sql<Omit<StockAlertRow, 'at' | 'id'> & { at: Date; id: string | bigint }>`
      SELECT a.id, a.sku, a.warehouse, a.state, a.available::float8 AS available, a.threshold, a.at FROM stock_alerts a
      ${state === 'open' ? sql`JOIN stock_levels l ON l.sku = a.sku AND l.warehouse = a.warehouse AND l.low_stock WHERE a.state = 'open'` : state === 'resolved' ? sql`WHERE a.state = 'resolved'` : sql``}
      ORDER BY a.id DESC LIMIT ${limit}`.execute(this.#db)
    return rows.map(({ at, id, ...row }) => ({ ...row, id: String(id), at: at.toISOString() }))
  }
}
