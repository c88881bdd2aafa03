import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { IncomingRecord } from '../../src/broker/broker.ts'
import { EmbeddedBroker } from '../../src/broker/embedded/embedded-broker.ts'
import { loadConfig } from '../../src/config/config.ts'
import { isRetryable } from '../../src/errors.ts'
import { checkInventory } from '../../src/inventory/inventory-check.ts'
import type { StockMovementV1 } from '../../src/inventory/inventory-schemas.ts'
import { createLogger } from '../../src/observability/logger.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { StockRepository } from '../../src/storage/inventory/stock-repository.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { stockMovementsStream } from '../../src/streams/definitions/stock-movements-stream.ts'
import { createStreamHandler } from '../../src/streams/stream-consumer.ts'
import { createTestDatabase } from '../helpers/services.ts'
import { twoMembersOnOneDatabase } from '../helpers/stock-movements.ts'

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
  // Two storages: two connection pools, as two saver processes would have.
  const { first: owner, second: zombie } = await twoMembersOnOneDatabase(t)
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

test('the same race with sinks that remember their levels (each received half the skus before): every movement decided once', async (t) => {
  const { first: owner, second: zombie } = await twoMembersOnOneDatabase(t)
  const skus = Array.from({ length: 200 }, (_, i) => `W-${i}`)
  const receipt = (sku: string): StockMovementV1 => ({
    ...sale(`in-${sku}`, sku),
    kind: 'receipt',
    quantity: 30,
  })
  // One sink each, kept across batches and retries, as a saver process keeps its sink.
  const ownerSink = new StockRepository(owner.db)
  const zombieSink = new StockRepository(zombie.db)
  await zombieSink.applyMovements(skus.slice(0, 100).map(receipt))
  await ownerSink.applyMovements(skus.slice(100).map(receipt))
  const old = skus.flatMap((sku) => Array.from({ length: 20 }, (_, n) => sale(`${sku}-${n}`, sku)))
  const current = skus.flatMap((sku) => Array.from({ length: 40 }, (_, n) => sale(`${sku}-${n}`, sku)))
  const [fromZombie, fromOwner] = await Promise.all([
    withRetry(() => zombieSink.applyMovements(old)),
    withRetry(() => ownerSink.applyMovements(current)),
  ])
  assert.equal(fromZombie.result.applied + fromOwner.result.applied, skus.length * 30)
  // The zombie goes on with what it remembers: all of it decided already, nothing changes.
  const replay = await withRetry(() => zombieSink.applyMovements(old))
  assert.equal(replay.result.applied, 0)
  assert.equal(replay.result.duplicates, old.length)
  const check = await checkInventory(owner.db)
  assert.equal(check.ok, true, JSON.stringify(check))
  assert.equal(check.appliedMovements, skus.length * 31)
  assert.equal(check.refusedMovements, skus.length * 10, 'sales 30-39 of every sku refused, once')
})

test('a batch the stock sink finds entirely decided counts as one stale batch, a fresh one does not', async (t) => {
  const { url, drop } = await createTestDatabase()
  t.after(drop)
  const storage = new PostgresStorage({ connectionString: url })
  t.after(() => storage.close())
  await storage.migrate()
  // A real broker for the handler's dead letters (none expected: receipts are never refused).
  const directory = await mkdtemp(join(tmpdir(), 'flowline-stock-stale-'))
  const broker = await EmbeddedBroker.open({ directory })
  t.after(async () => {
    await broker.close()
    await rm(directory, { recursive: true, force: true, maxRetries: 10 })
  })
  const config = loadConfig({}, {}, 'saver')
  const metrics = createMetrics()
  const handler = createStreamHandler({
    definition: stockMovementsStream,
    sink: stockMovementsStream.createSink(storage, config),
    broker,
    logger: createLogger('silent', 'saver'),
    metrics,
    groupId: 'stock-stale-test',
    errorsTopic: config.errorsTopic,
  })
  const records: IncomingRecord[] = ['a', 'b', 'c'].map((id, offset) => ({
    topic: 'stock-movements',
    partition: 0,
    offset: BigInt(offset),
    key: 'S-1',
    timestampMs: Date.parse('2026-01-01T00:00:00Z'),
    value: Buffer.from(
      JSON.stringify({
        movement_id: `stale-${id}`,
        sku: 'S-1',
        warehouse: 'w',
        kind: 'receipt',
        quantity: 5,
        timestamp: '2026-01-01T00:00:00Z',
      }),
    ),
  }))
  const batch = { records, commit: () => Promise.resolve() }
  const stale = async () =>
    (await metrics.staleBatches.get()).values.find((v) => v.labels.stream === 'stock-movements')?.value ?? 0
  const decoded = handler.prepare(batch)
  assert.equal(decoded.items.length, 3, JSON.stringify(decoded.rejected))
  await handler.handle(batch, decoded)
  assert.equal(await stale(), 0, 'a fresh batch is applied, not stale')
  // The same batch again, as a zombie would write it after the owner applied it.
  await handler.handle(batch, handler.prepare(batch))
  assert.equal(await stale(), 1)
  const check = await checkInventory(storage.db)
  assert.equal(check.appliedMovements, 3, 'the second write applied nothing')
})
