import { type Kysely, sql } from 'kysely'
import type { Schema } from '../storage/schema.ts'

export interface InventoryCheck {
  /** (sku, warehouse) pairs with levels or ledger rows. */
  readonly pairs: number
  readonly appliedMovements: number
  readonly refusedMovements: number
  /** Pairs whose levels differ from the sum of their applied ledger rows. */
  readonly mismatches: ReadonlyArray<{
    sku: string
    warehouse: string
    on_hand: number
    reserved: number
    ledger_on_hand: number
    ledger_reserved: number
  }>
  /** Pairs with on hand, reserved or available below zero. */
  readonly negatives: number
  readonly ok: boolean
}

/**
 * Proves the stock invariant from the database alone: every level equals the sum of the applied
 * ledger, and nothing is negative. `flowline inventory check` prints it; tests and the fault
 * suite assert it.
 */
export async function checkInventory(db: Kysely<Schema>, sampleLimit = 20): Promise<InventoryCheck> {
  const { rows: mismatches } = await sql<InventoryCheck['mismatches'][number]>`
    WITH ledger AS (
      SELECT sku, warehouse, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved
      FROM stock_movements WHERE status = 'applied' GROUP BY sku, warehouse
    )
    SELECT coalesce(l.sku, g.sku) AS sku, coalesce(l.warehouse, g.warehouse) AS warehouse,
           coalesce(l.on_hand, 0)::float8 AS on_hand, coalesce(l.reserved, 0)::float8 AS reserved,
           coalesce(g.on_hand, 0)::float8 AS ledger_on_hand, coalesce(g.reserved, 0)::float8 AS ledger_reserved
    FROM stock_levels l FULL JOIN ledger g ON l.sku = g.sku AND l.warehouse = g.warehouse
    WHERE coalesce(l.on_hand, 0) <> coalesce(g.on_hand, 0) OR coalesce(l.reserved, 0) <> coalesce(g.reserved, 0)
    ORDER BY 1, 2`.execute(db)
  const { rows } = await sql<{ pairs: number; negatives: number; applied: number; refused: number }>`
    SELECT (SELECT count(*)::int FROM stock_levels) AS pairs,
           (SELECT count(*)::int FROM stock_levels WHERE on_hand < 0 OR reserved < 0 OR on_hand - reserved < 0) AS negatives,
           (SELECT count(*)::int FROM stock_movements WHERE status = 'applied') AS applied,
           (SELECT count(*)::int FROM stock_movements WHERE status = 'refused') AS refused`.execute(db)
  const totals = rows[0] ?? { pairs: 0, negatives: 0, applied: 0, refused: 0 }
  return {
    pairs: totals.pairs,
    appliedMovements: totals.applied,
    refusedMovements: totals.refused,
    mismatches: mismatches.slice(0, sampleLimit),
    negatives: totals.negatives,
    ok: mismatches.length === 0 && totals.negatives === 0,
  }
}

/** The report `flowline inventory check` prints. */
export function formatInventoryCheck(check: InventoryCheck): string {
  const lines = [
    `${check.ok ? 'OK  ' : 'FAIL'}  ${check.pairs} (sku, warehouse) levels, ${check.appliedMovements} applied and ${check.refusedMovements} refused movements`,
    `${check.mismatches.length === 0 ? 'OK  ' : 'FAIL'}  levels equal the sum of the applied ledger${check.mismatches.length === 0 ? '' : `: ${check.mismatches.length} differ`}`,
    ...check.mismatches.map(
      (m) =>
        `      ${m.sku} @ ${m.warehouse}: on hand ${m.on_hand} (ledger ${m.ledger_on_hand}), reserved ${m.reserved} (ledger ${m.ledger_reserved})`,
    ),
    `${check.negatives === 0 ? 'OK  ' : 'FAIL'}  nothing negative${check.negatives === 0 ? '' : `: ${check.negatives} levels below zero`}`,
  ]
  return `${lines.join('\n')}\n`
}
