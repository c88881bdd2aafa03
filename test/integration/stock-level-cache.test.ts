import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { checkInventory } from '../../src/inventory/inventory-check.ts'
import { StockRepository } from '../../src/storage/inventory/stock-repository.ts'
import type { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { stockMovement, twoMembersOnOneDatabase } from '../helpers/stock-movements.ts'

const SKUS = Array.from({ length: 50 }, (_, i) => `C-${i}`)

async function onHandOf(storage: PostgresStorage): Promise<number[]> {
  const { rows } = await sql<{ on_hand: number }>`
    SELECT on_hand::int AS on_hand FROM stock_levels ORDER BY sku`.execute(storage.db)
  return rows.map((row) => row.on_hand)
}

test('a sink whose remembered levels went stale (another member sold meanwhile) judges from the rows, not from its memory', async (t) => {
  const { first, second } = await twoMembersOnOneDatabase(t)
  const stale = new StockRepository(first.db)
  // The stale member received 10 of every sku, so it remembers 10 ...
  await stale.applyMovements(SKUS.map((sku) => stockMovement(`in-${sku}`, sku, 'receipt', 10)))
  // ... then lost the partition: the new owner sold 5 of each.
  const owner = new StockRepository(second.db)
  const sold = await owner.applyMovements(SKUS.map((sku) => stockMovement(`sale-${sku}`, sku, 'sale', -5)))
  assert.equal(sold.applied, SKUS.length)
  // A sale of 7 fits what the stale member remembers (10), not what is there (5).
  const late = await stale.applyMovements(SKUS.map((sku) => stockMovement(`late-${sku}`, sku, 'sale', -7)))
  assert.equal(late.applied, 0)
  assert.equal(late.refused.length, SKUS.length)
  for (const refusal of late.refused) {
    assert.equal(refusal.code, 'INSUFFICIENT_STOCK')
    assert.equal(refusal.details.on_hand, 5, 'the refusal names the levels in the database')
  }
  assert.deepEqual(
    await onHandOf(first),
    SKUS.map(() => 5),
  )
  const check = await checkInventory(first.db)
  assert.equal(check.ok, true, JSON.stringify(check))
  assert.equal(check.refusedMovements, SKUS.length)
})

test('a batch delivered again to the same sink is all duplicates, its refusals reported again, nothing changed', async (t) => {
  const { first } = await twoMembersOnOneDatabase(t)
  const sink = new StockRepository(first.db)
  const batch = SKUS.flatMap((sku) => [
    stockMovement(`in-${sku}`, sku, 'receipt', 3),
    stockMovement(`s1-${sku}`, sku, 'sale', -2),
    stockMovement(`s2-${sku}`, sku, 'sale', -2),
  ])
  const once = await sink.applyMovements(batch)
  assert.deepEqual([once.applied, once.duplicates, once.refused.length], [SKUS.length * 2, 0, SKUS.length])
  // The same sink, its levels remembered, gets the batch again (a commit of offsets that failed).
  const again = await sink.applyMovements(batch)
  assert.deepEqual([again.applied, again.duplicates], [0, batch.length])
  assert.deepEqual(
    again.refused.map((refusal) => [refusal.index, refusal.code]),
    once.refused.map((refusal) => [refusal.index, refusal.code]),
    'every refusal reported again, at its index, with its first reason',
  )
  // And one batch that mixes decided ids with new ones: only the new ones apply.
  const mixed = await sink.applyMovements([
    ...batch.slice(0, 3),
    ...SKUS.map((sku) => stockMovement(`in2-${sku}`, sku, 'receipt', 4)),
  ])
  assert.deepEqual([mixed.applied, mixed.duplicates], [SKUS.length, 3])
  assert.deepEqual(
    await onHandOf(first),
    SKUS.map(() => 5),
  )
  const check = await checkInventory(first.db)
  assert.equal(check.ok, true, JSON.stringify(check))
  assert.equal(check.appliedMovements, SKUS.length * 3)
})

test('a level row gone under a remembered level fails its guard: the batch is judged again from the rows', async (t) => {
  const { first, second } = await twoMembersOnOneDatabase(t)
  const sink = new StockRepository(first.db)
  await sink.applyMovements(SKUS.map((sku) => stockMovement(`in-${sku}`, sku, 'receipt', 10)))
  // A row removed under the sink: its guarded update cannot find it, on either try.
  await sql`DELETE FROM stock_levels WHERE sku = ${SKUS[0]}`.execute(second.db)
  await sql`DELETE FROM stock_movements WHERE sku = ${SKUS[0]}`.execute(second.db)
  const sales = SKUS.map((sku) => stockMovement(`sale-${sku}`, sku, 'sale', -4))
  const result = await sink.applyMovements(sales)
  // Read from the rows, the first sku has no stock: refused; the others sold.
  assert.equal(result.applied, SKUS.length - 1)
  assert.deepEqual(
    result.refused.map((refusal) => [refusal.index, refusal.code, refusal.details.on_hand]),
    [[0, 'INSUFFICIENT_STOCK', 0]],
  )
  const check = await checkInventory(first.db)
  assert.equal(check.ok, true, JSON.stringify(check))
})
