import { type Kysely, sql, type Transaction } from 'kysely'
import type { StockMovementV1 } from '../../inventory/inventory-schemas.ts'
import { applyMovement, effectOf, type StockLevels } from '../../inventory/stock-rules.ts'
import { scalarArray, textArray } from '../pg-array.ts'
import type { Schema } from '../schema.ts'

/** A movement the consumer refused, with what it saw: it goes to the errors topic. */
export interface RefusedMovement {
  /** Position in the batch given to `applyMovements`. */
  readonly index: number
  readonly code: string
  readonly reason: string
  readonly details: Readonly<Record<string, unknown>>
}

export interface AppliedMovements {
  readonly applied: number
  readonly duplicates: number
  readonly refused: RefusedMovement[]
  readonly alertsOpened: number
}

type Levels = StockLevels & { lowStock: boolean }
const keyOf = (sku: string, warehouse: string) => `${sku}\u0000${warehouse}`

/**
 * The stock ledger and levels. A batch of movements is one transaction: read the levels of the
 * (sku, warehouse) pairs it touches and which movement ids were already decided, apply the rest
 * in log order in memory with the rule of `stock-rules.ts`, then write the ledger rows (refused
 * ones too; the primary key on movement_id refuses a second decision), the new levels guarded by
 * the values read, and the low-stock transitions. A stale consumer after a rebalance fails one of
 * those guards, rolls back, retries, and finds its movements decided.
 */
export class StockRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  applyMovements(movements: readonly StockMovementV1[]): Promise<AppliedMovements> {
    if (movements.length === 0)
      return Promise.resolve({ applied: 0, duplicates: 0, refused: [], alertsOpened: 0 })
    return this.#db.transaction().execute((trx) => applyInTransaction(trx, movements))
  }
}

/** Another transaction changed levels this batch read: the batch is retried from the start and sees its work. */
export class ConcurrentStockUpdateError extends Error {
  readonly retryable = true
  constructor(expected: number, updated: number) {
    super(`stock levels changed under this batch (${updated} of ${expected} rows still as read); retrying it`)
    this.name = 'ConcurrentStockUpdateError'
  }
}

/**
 * Writes the new levels, guarded by the values read (optimistic concurrency): an existing row is
 * updated only if it still holds what this batch read, a new row is inserted only if none
 * appeared. One consumer owns a sku's partition, so a conflict means a stale member after a
 * rebalance (or a partition count change): the transaction rolls back and the batch is retried,
 * then finds its movements decided. Cheaper than locking every row first (no tuple write for the
 * lock), which matters with thousands of skus a batch.
 */
async function writeLevels(
  trx: Transaction<Schema>,
  changed: ReadonlySet<string>,
  levels: ReadonlyMap<string, Levels>,
  seen: ReadonlyMap<string, Levels>,
) {
  const rows = [...changed].map((key) => {
    const [sku, warehouse] = key.split('\u0000') as [string, string]
    return { sku, warehouse, before: seen.get(key), ...(levels.get(key) as Levels) }
  })
  const existing = rows.filter((row) => row.before !== undefined)
  const fresh = rows.filter((row) => row.before === undefined)
  if (existing.length > 0) {
    const result = await sql`
      UPDATE stock_levels AS l SET on_hand = u.on_hand, reserved = u.reserved, low_stock = u.low_stock, updated_at = now()
      FROM unnest(${textArray(existing.map((r) => r.sku))}::text[], ${textArray(existing.map((r) => r.warehouse))}::text[],
                  ${scalarArray(existing.map((r) => r.onHand))}::bigint[], ${scalarArray(existing.map((r) => r.reserved))}::bigint[],
                  ${scalarArray(existing.map((r) => r.lowStock))}::boolean[],
                  ${scalarArray(existing.map((r) => r.before?.onHand))}::bigint[], ${scalarArray(existing.map((r) => r.before?.reserved))}::bigint[])
        AS u(sku, warehouse, on_hand, reserved, low_stock, was_on_hand, was_reserved)
      WHERE l.sku = u.sku AND l.warehouse = u.warehouse AND l.on_hand = u.was_on_hand AND l.reserved = u.was_reserved`.execute(
      trx,
    )
    const updated = Number(result.numAffectedRows ?? 0)
    if (updated !== existing.length) throw new ConcurrentStockUpdateError(existing.length, updated)
  }
  if (fresh.length > 0) {
    const result = await sql`
      INSERT INTO stock_levels (sku, warehouse, on_hand, reserved, low_stock)
      SELECT * FROM unnest(${textArray(fresh.map((r) => r.sku))}::text[], ${textArray(fresh.map((r) => r.warehouse))}::text[],
                           ${scalarArray(fresh.map((r) => r.onHand))}::bigint[], ${scalarArray(fresh.map((r) => r.reserved))}::bigint[],
                           ${scalarArray(fresh.map((r) => r.lowStock))}::boolean[])
      ON CONFLICT (sku, warehouse) DO NOTHING`.execute(trx)
    const inserted = Number(result.numAffectedRows ?? 0)
    if (inserted !== fresh.length) throw new ConcurrentStockUpdateError(fresh.length, inserted)
  }
}

/** The levels of the batch's (sku, warehouse) pairs as they are now; pairs without a row are absent. */
async function readLevels(trx: Transaction<Schema>, movements: readonly StockMovementV1[]) {
  const pairs = [...new Map(movements.map((m) => [keyOf(m.sku, m.warehouse), m])).values()]
  const { rows } = await sql<{
    sku: string
    warehouse: string
    on_hand: string
    reserved: string
    low_stock: boolean
  }>`
    SELECT l.sku, l.warehouse, l.on_hand::text, l.reserved::text, l.low_stock
    FROM stock_levels l JOIN unnest(${textArray(pairs.map((m) => m.sku))}::text[], ${textArray(pairs.map((m) => m.warehouse))}::text[])
      AS k(sku, warehouse) ON l.sku = k.sku AND l.warehouse = k.warehouse`.execute(trx)
  const levels = new Map<string, Levels>()
  for (const row of rows)
    levels.set(keyOf(row.sku, row.warehouse), {
      onHand: Number(row.on_hand),
      reserved: Number(row.reserved),
      lowStock: row.low_stock,
    })
  return levels
}

/** How the ledger decided a movement id, or undefined when it never reached the ledger. */
export type LedgerDecision =
  | { readonly status: 'applied' }
  | { readonly status: 'refused'; readonly code: string }

/** The ledger's decision on `movementId`: final, since the primary key refuses a second one. */
export async function ledgerDecision(
  db: Kysely<Schema>,
  movementId: string,
): Promise<LedgerDecision | undefined> {
  const { rows } = await sql<{ status: 'applied' | 'refused'; code: string | null }>`
    SELECT status, refusal->>'code' AS code FROM stock_movements WHERE movement_id = ${movementId}`.execute(
    db,
  )
  const row = rows[0]
  if (!row) return undefined
  return row.status === 'refused' ? { status: 'refused', code: row.code ?? 'unknown' } : { status: 'applied' }
}

async function decidedBefore(trx: Transaction<Schema>, movements: readonly StockMovementV1[]) {
  const { rows } = await sql<{
    movement_id: string
    refusal: { code: string; reason: string; details: Record<string, unknown> } | null
  }>`
    SELECT movement_id, refusal FROM stock_movements
    WHERE movement_id = ANY(${textArray(movements.map((m) => m.movement_id))}::text[])`.execute(trx)
  return new Map(rows.map((row) => [row.movement_id, row.refusal]))
}

async function thresholds(trx: Transaction<Schema>, movements: readonly StockMovementV1[]) {
  const { rows } = await sql<{ sku: string; low_stock_threshold: number }>`
    SELECT sku, low_stock_threshold FROM products
    WHERE sku = ANY(${textArray([...new Set(movements.map((m) => m.sku))])}::text[])
      AND low_stock_threshold IS NOT NULL AND NOT deleted`.execute(trx)
  return new Map(rows.map((row) => [row.sku, row.low_stock_threshold]))
}

async function applyInTransaction(
  trx: Transaction<Schema>,
  movements: readonly StockMovementV1[],
): Promise<AppliedMovements> {
  const levels = await readLevels(trx, movements)
  const seen = new Map(levels)
  const decided = await decidedBefore(trx, movements)
  const limits = await thresholds(trx, movements)
  const ledger = {
    ids: [] as string[],
    skus: [] as string[],
    warehouses: [] as string[],
    kinds: [] as string[],
    quantities: [] as number[],
    onHand: [] as number[],
    reserved: [] as number[],
    at: [] as string[],
    references: [] as (string | null)[],
    statuses: [] as string[],
    refusals: [] as (string | null)[],
  }
  const refused: RefusedMovement[] = []
  const alerts: Array<{
    sku: string
    warehouse: string
    state: string
    available: number
    threshold: number
    movementId: string
  }> = []
  const changed = new Set<string>()
  let duplicates = 0
  movements.forEach((movement, index) => {
    if (decided.has(movement.movement_id)) {
      duplicates += 1
      // A refusal decided before, redelivered: report it again, in case the crash came before its dead letter.
      const refusal = decided.get(movement.movement_id)
      if (refusal) refused.push({ index, ...refusal })
      return
    }
    const key = keyOf(movement.sku, movement.warehouse)
    const before = levels.get(key) ?? { onHand: 0, reserved: 0, lowStock: false }
    const result = applyMovement(before, movement)
    const effect = effectOf(movement)
    decided.set(movement.movement_id, null)
    let refusal: RefusedMovement | undefined
    if (result.ok) {
      const threshold = limits.get(movement.sku)
      const available = result.levels.onHand - result.levels.reserved
      const lowStock = threshold !== undefined && available < threshold
      if (threshold !== undefined && lowStock !== before.lowStock)
        alerts.push({
          sku: movement.sku,
          warehouse: movement.warehouse,
          state: lowStock ? 'open' : 'resolved',
          available,
          threshold,
          movementId: movement.movement_id,
        })
      levels.set(key, { ...result.levels, lowStock })
      changed.add(key)
    } else {
      const details = {
        on_hand: before.onHand,
        reserved: before.reserved,
        available: before.onHand - before.reserved,
        requested: movement.quantity,
      }
      refusal = { index, code: result.code, reason: result.reason, details }
      refused.push(refusal)
      decided.set(movement.movement_id, { code: result.code, reason: result.reason, details })
    }
    ledger.ids.push(movement.movement_id)
    ledger.skus.push(movement.sku)
    ledger.warehouses.push(movement.warehouse)
    ledger.kinds.push(movement.kind)
    ledger.quantities.push(movement.quantity)
    ledger.onHand.push(effect.onHand)
    ledger.reserved.push(effect.reserved)
    ledger.at.push(movement.timestamp)
    ledger.references.push(movement.reference ?? null)
    ledger.statuses.push(refusal ? 'refused' : 'applied')
    ledger.refusals.push(
      refusal
        ? JSON.stringify({ code: refusal.code, reason: refusal.reason, details: refusal.details })
        : null,
    )
  })
  if (ledger.ids.length > 0)
    await sql`
      INSERT INTO stock_movements (movement_id, sku, warehouse, kind, quantity, on_hand_delta, reserved_delta, at, reference, status, refusal)
      SELECT id, sku, warehouse, kind, quantity, on_hand_delta, reserved_delta, at, reference, status, refusal::jsonb
      FROM unnest(${textArray(ledger.ids)}::text[], ${textArray(ledger.skus)}::text[], ${textArray(ledger.warehouses)}::text[], ${textArray(ledger.kinds)}::text[],
                  ${scalarArray(ledger.quantities)}::int[], ${scalarArray(ledger.onHand)}::int[], ${scalarArray(ledger.reserved)}::int[], ${textArray(ledger.at)}::timestamptz[],
                  ${textArray(ledger.references)}::text[], ${textArray(ledger.statuses)}::text[], ${textArray(ledger.refusals)}::text[])
        AS m(id, sku, warehouse, kind, quantity, on_hand_delta, reserved_delta, at, reference, status, refusal)`.execute(
      trx,
    )
  if (changed.size > 0) await writeLevels(trx, changed, levels, seen)
  if (alerts.length > 0)
    await sql`
      INSERT INTO stock_alerts (sku, warehouse, state, available, threshold, movement_id)
      SELECT * FROM unnest(${textArray(alerts.map((a) => a.sku))}::text[], ${textArray(alerts.map((a) => a.warehouse))}::text[],
                           ${textArray(alerts.map((a) => a.state))}::text[], ${scalarArray(alerts.map((a) => a.available))}::bigint[],
                           ${scalarArray(alerts.map((a) => a.threshold))}::int[], ${textArray(alerts.map((a) => a.movementId))}::text[])`.execute(
      trx,
    )
  return {
    applied: ledger.statuses.filter((status) => status === 'applied').length,
    duplicates,
    refused,
    alertsOpened: alerts.filter((alert) => alert.state === 'open').length,
  }
}
