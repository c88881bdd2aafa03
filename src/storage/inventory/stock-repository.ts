import type { Kysely, Transaction } from 'kysely'
import { sql } from 'kysely'
import type { StockMovementV1 } from '../../inventory/inventory-schemas.ts'
import { textArray } from '../pg-array.ts'
import type { Schema } from '../schema.ts'
import {
  type BatchPlan,
  type BatchState,
  pairKey,
  planBatch,
  type RefusedMovement,
} from './stock-batch-plan.ts'
import { StockLevelCache } from './stock-level-cache.ts'
import { readBatchState, writeBatch } from './stock-statements.ts'

export type { RefusedMovement }

export interface AppliedMovements {
  readonly applied: number
  readonly duplicates: number
  readonly refused: RefusedMovement[]
  readonly alertsOpened: number
}

/** Pairs whose levels the sink keeps between batches: 10,000 skus in 10 warehouses, a few MB. */
const CACHED_PAIRS = 100_000

/** The ledger's primary key: a movement id decided twice. */
const DECIDED_TWICE = 'stock_movements_pkey'

/**
 * The stock ledger and levels. A batch of movements is one transaction of two statements: read
 * what the batch needs, plan it in memory in log order with the rule of `stock-rules.ts`
 * (`stock-batch-plan.ts`), then write the ledger rows (refused ones too), the new levels guarded
 * by the values planned from, and the low-stock transitions (`stock-statements.ts`).
 *
 * First try: the levels come from what this process last committed (`StockLevelCache`) and
 * decided ids are not read, since the consumer that owns a sku's partition rarely sees one again.
 * A redelivered id then fails the ledger's primary key, a level another member changed fails its
 * guard (and the cache is dropped): the transaction rolls back and the batch is tried once more
 * with everything read from the database, which finds the decided ids and the current levels. If
 * that one fails its guards too (a stale member racing the owner), the error is retryable and the
 * loop tries the batch again.
 */
export class StockRepository {
  readonly #db: Kysely<Schema>
  readonly #cache = new StockLevelCache(CACHED_PAIRS)

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async applyMovements(movements: readonly StockMovementV1[]): Promise<AppliedMovements> {
    if (movements.length === 0) return { applied: 0, duplicates: 0, refused: [], alertsOpened: 0 }
    try {
      return await this.#apply(movements, false)
    } catch (error) {
      // A decided id (a batch delivered again after a rebalance) says nothing against the levels
      // remembered; a failed guard does (another member wrote them), and so may any other failure.
      const redelivered = isDecidedTwice(error)
      if (!redelivered) this.#cache.clear()
      if (!redelivered && !(error instanceof ConcurrentStockUpdateError)) throw error
      return await this.#apply(movements, true)
    }
  }

  async #apply(movements: readonly StockMovementV1[], readEverything: boolean): Promise<AppliedMovements> {
    const { state, plan } = await this.#db
      .transaction()
      .execute((trx) => applyInTransaction(trx, movements, this.#cache, readEverything))
    // Committed: these are the rows' levels now (until another member writes them, which the guards catch).
    for (const [key, levels] of state.levels) this.#cache.remember(key, levels)
    for (const row of plan.changed) this.#cache.remember(pairKeyOf(row), row)
    return {
      applied: plan.applied,
      duplicates: plan.duplicates,
      refused: plan.refused,
      alertsOpened: plan.alerts.filter((alert) => alert.state === 'open').length,
    }
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

function isDecidedTwice(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown }
  return code === '23505' && constraint === DECIDED_TWICE
}

/** Reads every level from the rows. */
const EMPTY_CACHE = new StockLevelCache(0)

const pairKeyOf = (row: { sku: string; warehouse: string }) => pairKey(row.sku, row.warehouse)

/**
 * One consumer owns a sku's partition, so a guard that fails means a stale member after a
 * rebalance (or a partition count change): rolling back and planning again from the rows is
 * cheaper than locking every row first (no tuple write for the lock), which matters with
 * thousands of skus a batch.
 */
async function applyInTransaction(
  trx: Transaction<Schema>,
  movements: readonly StockMovementV1[],
  cache: StockLevelCache,
  readEverything: boolean,
): Promise<{ state: BatchState; plan: BatchPlan }> {
  const state = await readBatchState(trx, movements, readEverything ? EMPTY_CACHE : cache, readEverything)
  const plan = planBatch(movements, state)
  const expectedUpdates = plan.changed.filter((row) => row.before !== undefined).length
  const expectedInserts = plan.changed.length - expectedUpdates
  const { updated, inserted } = await writeBatch(trx, plan)
  if (updated !== expectedUpdates) throw new ConcurrentStockUpdateError(expectedUpdates, updated)
  if (inserted !== expectedInserts) throw new ConcurrentStockUpdateError(expectedInserts, inserted)
  return { state, plan }
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
  return (await ledgerDecisions(db, [movementId])).get(movementId)
}

/** The ledger's decisions on those of `movementIds` it decided, in one statement. */
export async function ledgerDecisions(
  db: Kysely<Schema>,
  movementIds: readonly string[],
): Promise<Map<string, LedgerDecision>> {
  const decisions = new Map<string, LedgerDecision>()
  if (movementIds.length === 0) return decisions
  const { rows } = await sql<{ movement_id: string; status: 'applied' | 'refused'; code: string | null }>`
    SELECT movement_id, status, refusal->>'code' AS code FROM stock_movements
    WHERE movement_id = ANY(${textArray(movementIds)}::text[])`.execute(db)
  for (const row of rows)
    decisions.set(
      row.movement_id,
      row.status === 'refused' ? { status: 'refused', code: row.code ?? 'unknown' } : { status: 'applied' },
    )
  return decisions
}
