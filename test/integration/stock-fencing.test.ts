import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isRetryable } from '../../src/errors.ts'
import { checkInventory } from '../../src/inventory/inventory-check.ts'
import type { StockMovementV1 } from '../../src/inventory/inventory-schemas.ts'
import { StockRepository } from '../../src/storage/inventory/stock-repository.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { createTestDatabase } from '../helpers/services.ts'

/** What the batch loop does with a failed write: try again while the error is retryable. */
async function withRetry<T>(write: () => Promise<T>): Promise<{ result: T; retries: number }> {
  for (let retries = 0; retries < 50; retries++) {
    try {
      return { result: await write(), retries }
    } catch (error) {
      if (!isRetryable(error)) throw error
    }
  }
  throw new Error('still failing after 50 tries')
}

const sale = (id: string, sku: string): StockMovementV1 => ({
  movement_id: id,
  sku,
  warehouse: 'w',
  kind: 'sale',
  quantity: -1,
  timestamp: '2026-01-01T00:00:00Z',
})

test('a stale member writing the same skus at the same time as the owner: every movement decided once, levels equal the ledger', async (t) => {
  const { url, drop } = await createTestDatabase()
  t.after(drop)
  // Two storages: two connection pools, as two saver processes would have.
  const owner = new PostgresStorage({ connectionString: url })
  const zombie = new PostgresStorage({ connectionString: url })
  t.after(() => Promise.all([owner.close(), zombie.close()]))
  await owner.migrate()
  const skus = Array.from({ length: 200 }, (_, i) => `Z-${i}`)
  await new StockRepository(owner.db).applyMovements(
    skus.map((sku) => ({
      movement_id: `in-${sku}`,
      sku,
      warehouse: 'w',
      kind: 'receipt',
      quantity: 30,
      timestamp: '2026-01-01T00:00:00Z',
    })),
  )
  // The zombie holds an old batch (sales 0-19 of every sku); the owner re-reads it and goes on (0-39).
  const old = skus.flatMap((sku) => Array.from({ length: 20 }, (_, n) => sale(`${sku}-${n}`, sku)))
  const current = skus.flatMap((sku) => Array.from({ length: 40 }, (_, n) => sale(`${sku}-${n}`, sku)))
  const [fromZombie, fromOwner] = await Promise.all([
    withRetry(() => new StockRepository(zombie.db).applyMovements(old)),
    withRetry(() => new StockRepository(owner.db).applyMovements(current)),
  ])
  const applied = fromZombie.result.applied + fromOwner.result.applied
  assert.equal(applied, skus.length * 30, 'each sku sold exactly its 30 units, whoever wrote them')
  const check = await checkInventory(owner.db)
  assert.equal(check.ok, true, JSON.stringify(check))
  assert.equal(check.appliedMovements, skus.length * 31)
  assert.equal(check.refusedMovements, skus.length * 10, 'sales 30-39 of every sku refused, once')
})
