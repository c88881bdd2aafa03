import type { StockMovementV1 } from '../../inventory/inventory-schemas.ts'
import { applyMovement, effectOf, type StockLevels } from '../../inventory/stock-rules.ts'

/** Levels of one (sku, warehouse) pair with its low-stock flag, as stored in `stock_levels`. */
export type Levels = StockLevels & { readonly lowStock: boolean }

/** A refusal as the ledger keeps it (`stock_movements.refusal`) and the errors topic carries it. */
export interface Refusal {
  readonly code: string
  readonly reason: string
  readonly details: Readonly<Record<string, unknown>>
}

/** A movement the consumer refused, with what it saw: it goes to the errors topic. */
export interface RefusedMovement extends Refusal {
  /** Position in the batch given to `applyMovements`. */
  readonly index: number
}

/** One (sku, warehouse) pair's new levels, and the levels its `stock_levels` row must still hold (none: no row yet). */
export interface ChangedLevels extends Levels {
  readonly sku: string
  readonly warehouse: string
  readonly before: StockLevels | undefined
}

export interface LowStockTransition {
  readonly sku: string
  readonly warehouse: string
  readonly state: 'open' | 'resolved'
  readonly available: number
  readonly threshold: number
  readonly movementId: string
}

/** What a batch reads before it is planned. */
export interface BatchState {
  /** Levels of the batch's pairs that have a row; a pair absent here has none. */
  readonly levels: ReadonlyMap<string, Levels>
  /**
   * Movement ids the ledger decided before, with their refusal (null: applied). Empty when the
   * caller did not read them and relies on the ledger's primary key to refuse a decided id.
   */
  readonly decided: ReadonlyMap<string, Refusal | null>
  /** The low-stock threshold of each of the batch's skus that has one. */
  readonly thresholds: ReadonlyMap<string, number>
}

/** The ledger rows of a batch, one array per column (the shape `unnest` takes). */
export interface LedgerColumns {
  readonly ids: string[]
  readonly skus: string[]
  readonly warehouses: string[]
  readonly kinds: string[]
  readonly quantities: number[]
  readonly onHandDeltas: number[]
  readonly reservedDeltas: number[]
  readonly at: string[]
  readonly references: (string | null)[]
  readonly statuses: ('applied' | 'refused')[]
  readonly refusals: (string | null)[]
}

export interface BatchPlan {
  readonly ledger: LedgerColumns
  readonly changed: ChangedLevels[]
  readonly alerts: LowStockTransition[]
  readonly refused: RefusedMovement[]
  readonly applied: number
  readonly duplicates: number
}

/** The key of a (sku, warehouse) pair in the plan's maps (NUL cannot occur in either). */
export const pairKey = (sku: string, warehouse: string) => `${sku}\u0000${warehouse}`

const NO_STOCK: Levels = { onHand: 0, reserved: 0, lowStock: false }

/**
 * Applies a batch in log order in memory with the rule of `stock-rules.ts`, from the levels and
 * decisions read before: a movement id decided before (or earlier in the batch) is a duplicate,
 * reported again if it was refused, in case a crash came before its dead letter. Pure: the same
 * state and batch always give the same plan, so a retried batch is planned as it was the first time.
 */
export function planBatch(movements: readonly StockMovementV1[], state: BatchState): BatchPlan {
  const levels = new Map<string, Levels>()
  const decided = new Map<string, Refusal | null>()
  const ledger: LedgerColumns = {
    ids: [],
    skus: [],
    warehouses: [],
    kinds: [],
    quantities: [],
    onHandDeltas: [],
    reservedDeltas: [],
    at: [],
    references: [],
    statuses: [],
    refusals: [],
  }
  const refused: RefusedMovement[] = []
  const alerts: LowStockTransition[] = []
  let applied = 0
  let duplicates = 0
  for (let index = 0; index < movements.length; index++) {
    const movement = movements[index] as StockMovementV1
    const id = movement.movement_id
    const earlier = decided.has(id) ? decided.get(id) : state.decided.get(id)
    if (earlier !== undefined) {
      duplicates += 1
      if (earlier) refused.push({ index, ...earlier })
      continue
    }
    const key = pairKey(movement.sku, movement.warehouse)
    const before = levels.get(key) ?? state.levels.get(key) ?? NO_STOCK
    const effect = effectOf(movement)
    const result = applyMovement(before, movement, effect)
    let refusal: Refusal | null = null
    if (result.ok) {
      const threshold = state.thresholds.get(movement.sku)
      const available = result.levels.onHand - result.levels.reserved
      const lowStock = threshold !== undefined && available < threshold
      if (threshold !== undefined && lowStock !== before.lowStock)
        alerts.push({
          sku: movement.sku,
          warehouse: movement.warehouse,
          state: lowStock ? 'open' : 'resolved',
          available,
          threshold,
          movementId: id,
        })
      levels.set(key, { onHand: result.levels.onHand, reserved: result.levels.reserved, lowStock })
      applied += 1
    } else {
      const details = {
        on_hand: before.onHand,
        reserved: before.reserved,
        available: before.onHand - before.reserved,
        requested: movement.quantity,
      }
      refusal = { code: result.code, reason: result.reason, details }
      refused.push({ index, ...refusal })
    }
    decided.set(id, refusal)
    ledger.ids.push(id)
    ledger.skus.push(movement.sku)
    ledger.warehouses.push(movement.warehouse)
    ledger.kinds.push(movement.kind)
    ledger.quantities.push(movement.quantity)
    ledger.onHandDeltas.push(effect.onHand)
    ledger.reservedDeltas.push(effect.reserved)
    ledger.at.push(movement.timestamp)
    ledger.references.push(movement.reference ?? null)
    ledger.statuses.push(refusal ? 'refused' : 'applied')
    ledger.refusals.push(refusal ? JSON.stringify(refusal) : null)
  }
  const changed: ChangedLevels[] = []
  for (const [key, next] of levels) {
    const [sku, warehouse] = key.split('\u0000') as [string, string]
    changed.push({ sku, warehouse, before: state.levels.get(key), ...next })
  }
  return { ledger, changed, alerts, refused, applied, duplicates }
}
