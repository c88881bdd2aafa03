import type { IncomingRecord } from '../../broker/broker.ts'
import { StockMovementV1 } from '../../inventory/inventory-schemas.ts'
import { quantityProblem } from '../../inventory/stock-rules.ts'
import { StockRepository } from '../../storage/inventory/stock-repository.ts'
import { toStorageError } from '../../storage/storage-errors.ts'
import type { StreamDefinition } from '../stream-definition.ts'
import { versionedPayload } from '../versioned-payload.ts'

const payload = versionedPayload(
  'stock-movements',
  { 1: StockMovementV1 },
  (_version, fields) => fields as StockMovementV1,
)

/**
 * Stock movements applied to the ledger and the levels per (sku, warehouse) in one transaction.
 * Keyed by sku, so one partition, hence one consumer, orders a product's movements. A movement
 * that would take stock below zero is refused whole, recorded as refused and dead-lettered with
 * its code (INSUFFICIENT_STOCK, INSUFFICIENT_RESERVED) and the levels it saw.
 */
export const stockMovementsStream: StreamDefinition<StockMovementV1> = {
  name: 'stock-movements',
  description: 'movements into the `stock_movements` ledger and `stock_levels`, never below zero',
  versions: payload.versions,
  keyField: 'sku',
  idempotencyKey: 'movement_id',
  topic: (config) => config.stockTopic,
  groupId: (config) => `${config.inventoryGroupPrefix}stock`,
  decode(value) {
    const result = payload.check(value)
    if (!result.ok) return result
    const problem = quantityProblem(result.value)
    if (problem) return { ok: false, rejection: { field: 'quantity', reason: problem } }
    return { ok: true, item: result.value }
  },
  createSink(storage) {
    const repository = new StockRepository(storage.db)
    return {
      async write(movements, sources) {
        let outcome: Awaited<ReturnType<StockRepository['applyMovements']>>
        try {
          outcome = await repository.applyMovements(movements)
        } catch (error) {
          throw toStorageError(error)
        }
        return {
          applied: outcome.applied,
          duplicates: outcome.duplicates,
          refused: outcome.refused.map(({ index, code, reason, details }) => ({
            source: sources[index] as IncomingRecord,
            rejection: { reason, code, field: 'quantity', details },
          })),
        }
      },
    }
  },
}
