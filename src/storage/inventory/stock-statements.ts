import { sql, type Transaction } from 'kysely'
import type { StockMovementV1 } from '../../inventory/inventory-schemas.ts'
import { scalarArray, textArray } from '../pg-array.ts'
import type { Schema } from '../schema.ts'
import { type BatchPlan, type BatchState, type Levels, pairKey, type Refusal } from './stock-batch-plan.ts'
import type { StockLevelCache } from './stock-level-cache.ts'

/**
 * The two statements of a stock batch, each one round trip whatever the batch's size. Every
 * column goes to PostgreSQL as one array literal built in a single pass (`pg-array.ts`), which
 * `unnest` expands.
 */

interface StateRow {
  what: 'level' | 'threshold' | 'decided'
  id: string
  warehouse: string | null
  on_hand: string | null
  reserved: string | null
  low_stock: boolean | null
  threshold: number | null
  refusal: Refusal | null
}

/**
 * What a batch needs before it is planned, in one statement: the rows of its (sku, warehouse)
 * pairs the cache does not know, the thresholds of its skus (products change them at any time, so
 * they are always read), and, when `readDecided`, which of its movement ids the ledger decided.
 * Without it the ledger's primary key refuses a decided id at write time instead.
 */
export async function readBatchState(
  trx: Transaction<Schema>,
  movements: readonly StockMovementV1[],
  cache: StockLevelCache,
  readDecided: boolean,
): Promise<BatchState> {
  const levels = new Map<string, Levels>()
  const unknownSkus: string[] = []
  const unknownWarehouses: string[] = []
  const skus = new Set<string>()
  const pairs = new Set<string>()
  for (const { sku, warehouse } of movements) {
    skus.add(sku)
    const key = pairKey(sku, warehouse)
    if (pairs.has(key)) continue
    pairs.add(key)
    const cached = cache.get(key)
    if (cached) levels.set(key, cached)
    else {
      unknownSkus.push(sku)
      unknownWarehouses.push(warehouse)
    }
  }
  const ids = readDecided ? movements.map((movement) => movement.movement_id) : []
  // One result set of three kinds of row, so that the batch's reads are one round trip.
  const { rows } = await sql<StateRow>`
    SELECT 'level' AS what, l.sku AS id, l.warehouse, l.on_hand::text AS on_hand, l.reserved::text AS reserved,
           l.low_stock, NULL::int AS threshold, NULL::jsonb AS refusal
    FROM stock_levels l JOIN unnest(${textArray(unknownSkus)}::text[], ${textArray(unknownWarehouses)}::text[])
      AS k(sku, warehouse) ON l.sku = k.sku AND l.warehouse = k.warehouse
    UNION ALL
    SELECT 'threshold', sku, NULL, NULL, NULL, NULL, low_stock_threshold, NULL FROM products
    WHERE sku = ANY(${textArray([...skus])}::text[]) AND low_stock_threshold IS NOT NULL AND NOT deleted
    UNION ALL
    SELECT 'decided', movement_id, NULL, NULL, NULL, NULL, NULL, refusal FROM stock_movements
    WHERE movement_id = ANY(${textArray(ids)}::text[])`.execute(trx)
  const thresholds = new Map<string, number>()
  const decided = new Map<string, Refusal | null>()
  for (const row of rows) {
    if (row.what === 'level')
      levels.set(pairKey(row.id, row.warehouse as string), {
        onHand: Number(row.on_hand),
        reserved: Number(row.reserved),
        lowStock: row.low_stock === true,
      })
    else if (row.what === 'threshold') thresholds.set(row.id, row.threshold as number)
    else decided.set(row.id, row.refusal)
  }
  return { levels, decided, thresholds }
}

/**
 * Writes a planned batch in one statement: every ledger row (refusals too; the primary key on
 * movement_id refuses a second decision), the new levels of pairs that have a row, guarded by the
 * levels they were planned from (optimistic concurrency: a row is updated only if it still holds
 * them), the rows of new pairs (only if none appeared meanwhile), and the low-stock transitions.
 * Returns how many level rows passed their guard; the caller rolls back if not all did.
 */
export async function writeBatch(
  trx: Transaction<Schema>,
  { ledger, changed, alerts }: BatchPlan,
): Promise<{ updated: number; inserted: number }> {
  const existing = changed.filter((row) => row.before !== undefined)
  const fresh = changed.filter((row) => row.before === undefined)
  const { rows } = await sql<{ updated: number; inserted: number }>`
    WITH ledger AS (
      INSERT INTO stock_movements (movement_id, sku, warehouse, kind, quantity, on_hand_delta, reserved_delta, at, reference, status, refusal)
      SELECT id, sku, warehouse, kind, quantity, on_hand_delta, reserved_delta, at, reference, status, refusal::jsonb
      FROM unnest(${textArray(ledger.ids)}::text[], ${textArray(ledger.skus)}::text[], ${textArray(ledger.warehouses)}::text[],
                  ${textArray(ledger.kinds)}::text[], ${scalarArray(ledger.quantities)}::int[], ${scalarArray(ledger.onHandDeltas)}::int[],
                  ${scalarArray(ledger.reservedDeltas)}::int[], ${textArray(ledger.at)}::timestamptz[], ${textArray(ledger.references)}::text[],
                  ${textArray(ledger.statuses)}::text[], ${textArray(ledger.refusals)}::text[])
        AS m(id, sku, warehouse, kind, quantity, on_hand_delta, reserved_delta, at, reference, status, refusal)
    ), updated AS (
      UPDATE stock_levels AS l SET on_hand = u.on_hand, reserved = u.reserved, low_stock = u.low_stock, updated_at = now()
      FROM unnest(${textArray(existing.map((r) => r.sku))}::text[], ${textArray(existing.map((r) => r.warehouse))}::text[],
                  ${scalarArray(existing.map((r) => r.onHand))}::bigint[], ${scalarArray(existing.map((r) => r.reserved))}::bigint[],
                  ${scalarArray(existing.map((r) => r.lowStock))}::boolean[],
                  ${scalarArray(existing.map((r) => r.before?.onHand))}::bigint[], ${scalarArray(existing.map((r) => r.before?.reserved))}::bigint[])
        AS u(sku, warehouse, on_hand, reserved, low_stock, was_on_hand, was_reserved)
      WHERE l.sku = u.sku AND l.warehouse = u.warehouse AND l.on_hand = u.was_on_hand AND l.reserved = u.was_reserved
      RETURNING 1
    ), inserted AS (
      INSERT INTO stock_levels (sku, warehouse, on_hand, reserved, low_stock)
      SELECT * FROM unnest(${textArray(fresh.map((r) => r.sku))}::text[], ${textArray(fresh.map((r) => r.warehouse))}::text[],
                           ${scalarArray(fresh.map((r) => r.onHand))}::bigint[], ${scalarArray(fresh.map((r) => r.reserved))}::bigint[],
                           ${scalarArray(fresh.map((r) => r.lowStock))}::boolean[])
      ON CONFLICT (sku, warehouse) DO NOTHING
      RETURNING 1
    ), alerts AS (
      INSERT INTO stock_alerts (sku, warehouse, state, available, threshold, movement_id)
      SELECT * FROM unnest(${textArray(alerts.map((a) => a.sku))}::text[], ${textArray(alerts.map((a) => a.warehouse))}::text[],
                           ${textArray(alerts.map((a) => a.state))}::text[], ${scalarArray(alerts.map((a) => a.available))}::bigint[],
                           ${scalarArray(alerts.map((a) => a.threshold))}::int[], ${textArray(alerts.map((a) => a.movementId))}::text[])
    )
    SELECT (SELECT count(*) FROM updated)::int AS updated, (SELECT count(*) FROM inserted)::int AS inserted`.execute(
    trx,
  )
  const counts = rows[0] ?? { updated: 0, inserted: 0 }
  return { updated: counts.updated, inserted: counts.inserted }
}
