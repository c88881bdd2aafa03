import type { TestContext } from 'node:test'
import type { StockMovementV1 } from '../../src/inventory/inventory-schemas.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { createTestDatabase } from './services.ts'

/**
 * Movements of one product in warehouse `w1` at one time, named `<sku>-<id>` with the reference
 * `order-<id>`, as the dead-letter tests send and correct them.
 */
export function movementsOf(sku: string, timestamp: string) {
  return (id: string, kind: 'receipt' | 'sale', quantity: number) => ({
    movement_id: `${sku}-${id}`,
    sku,
    warehouse: 'w1',
    kind,
    quantity,
    timestamp,
    reference: `order-${id}`,
  })
}

/**
 * Two storages (two connection pools) on one fresh, migrated database, as two saver processes
 * would have: an owner and a stale member of the stock consumer group.
 */
export async function twoMembersOnOneDatabase(t: TestContext) {
  const { url, drop } = await createTestDatabase()
  t.after(drop)
  const first = new PostgresStorage({ connectionString: url })
  const second = new PostgresStorage({ connectionString: url })
  t.after(() => Promise.all([first.close(), second.close()]))
  await first.migrate()
  return { first, second }
}

/** One movement in warehouse `w` at a fixed time, as the stock sink's tests build them. */
export function stockMovement(
  id: string,
  sku: string,
  kind: StockMovementV1['kind'],
  quantity: number,
): StockMovementV1 {
  return { movement_id: id, sku, warehouse: 'w', kind, quantity, timestamp: '2026-01-01T00:00:00Z' }
}
