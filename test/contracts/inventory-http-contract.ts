import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Broker } from '../../src/broker/broker.ts'
import { ProductEventV1, StockMovementV1 } from '../../src/inventory/inventory-schemas.ts'
import { createAdminApp } from '../../src/roles/admin/admin-app.ts'
import { ProductEventsRepository } from '../../src/storage/inventory/product-events-repository.ts'
import { StockReadRepository } from '../../src/storage/inventory/stock-read-repository.ts'
import { StockRepository } from '../../src/storage/inventory/stock-repository.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { productEventsStream } from '../../src/streams/definitions/product-events-stream.ts'
import { stockMovementsStream } from '../../src/streams/definitions/stock-movements-stream.ts'
import { authHeaders, testAuth } from '../helpers/credentials.ts'
import { testIngestApp } from '../helpers/ingest-app.ts'
import { createMetrics, quietLogger, readRecords } from '../helpers/pipeline.ts'
import { uniqueName } from '../helpers/services.ts'

export type OpenInventoryPair = (t: TestContext) => Promise<{ broker: Broker; storage: Storage }>

/** Every HTTP call of these tests goes through here, so credentials can be added in one place. */
function call(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  return app.inject({ method, url, payload: payload as object, headers: { ...authHeaders(), ...headers } })
}

/** The inventory REST contract on every adapter pair (test/contracts/inventory-http.test.ts). */
export function runInventoryHttpContract(name: string, open: OpenInventoryPair) {
  describe(`inventory HTTP contract: ${name}`, () => {
    it('products CRUD with ETag and If-Match, keyset pages, stock, ledger, events and low-stock alerts', async (t) => {
      const { storage } = await open(t)
      const metrics = createMetrics()
      const admin = await createAdminApp({
        storage,
        repository: new MeasurementsRepository(storage.db),
        logger: quietLogger(),
        metrics,
        defaultLimit: 100,
        maxLimit: 1000,
        auth: await testAuth(storage),
      })
      t.after(() => admin.close())
      const created = await call(admin, 'POST', '/products', {
        sku: 'HTTP-1',
        name: 'Kettle',
        category: 'kitchen',
        price: '24.90',
        low_stock_threshold: 5,
      })
      assert.equal(created.statusCode, 201, created.body)
      assert.equal(created.headers.etag, '"1"')
      assert.equal(created.json().price, '24.9')
      assert.equal(
        (await call(admin, 'POST', '/products', { sku: 'HTTP-1', name: 'x', category: 'c', price: '1' }))
          .statusCode,
        409,
      )
      assert.equal(
        (
          await call(admin, 'POST', '/products', {
            sku: 'HTTP-2',
            name: 'Mug',
            category: 'kitchen',
            price: 3.5,
          })
        ).statusCode,
        400,
        'a float price is refused',
      )
      assert.equal(
        (
          await call(admin, 'POST', '/products', {
            sku: 'HTTP-2',
            name: 'Mug',
            category: 'kitchen',
            price: '3.50',
          })
        ).statusCode,
        201,
      )
      assert.equal((await call(admin, 'PATCH', '/products/HTTP-1', { price: '19.99' })).statusCode, 428)
      const patched = await call(
        admin,
        'PATCH',
        '/products/HTTP-1',
        { price: '19.99' },
        { 'if-match': '"1"' },
      )
      assert.equal(patched.statusCode, 200, patched.body)
      assert.deepEqual(
        [patched.headers.etag, patched.json().price, patched.json().name],
        ['"2"', '19.99', 'Kettle'],
      )
      const stale = await call(admin, 'PATCH', '/products/HTTP-1', { price: '1.00' }, { 'if-match': '"1"' })
      assert.equal(stale.statusCode, 412)
      assert.match(stale.json().message, /at version 2, not 1/)
      const first = await call(admin, 'GET', '/products?limit=1')
      assert.deepEqual(
        first.json().items.map((p: { sku: string }) => p.sku),
        ['HTTP-1'],
      )
      const second = await call(admin, 'GET', `/products?limit=1&cursor=${first.json().next_cursor}`)
      assert.deepEqual(
        second.json().items.map((p: { sku: string }) => p.sku),
        ['HTTP-2'],
      )

      const stock = new StockRepository(storage.db)
      const move = (id: string, kind: StockMovementV1Kind, quantity: number) => ({
        movement_id: id,
        sku: 'HTTP-1',
        warehouse: 'w1',
        kind,
        quantity,
        timestamp: '2026-01-01T00:00:00Z',
      })
      await stock.applyMovements([
        move('h1', 'receipt', 8),
        move('h2', 'reservation', 2),
        move('h3', 'sale', -2),
        move('h4', 'sale', -9),
      ])
      const levels = await call(admin, 'GET', '/products/HTTP-1/stock')
      assert.deepEqual(levels.json(), {
        sku: 'HTTP-1',
        on_hand: 6,
        reserved: 2,
        available: 4,
        warehouses: [{ warehouse: 'w1', on_hand: 6, reserved: 2, available: 4, low_stock: true }],
      })
      const ledger = (await call(admin, 'GET', '/products/HTTP-1/movements?limit=3')).json()
      assert.deepEqual(
        ledger.items.map((m: { movement_id: string; status: string }) => `${m.movement_id}:${m.status}`),
        ['h4:refused', 'h3:applied', 'h2:applied'],
      )
      assert.equal(ledger.items[0].refusal.code, 'INSUFFICIENT_STOCK')
      // The answers are serialized by their response schemas: every field the repository reads is kept.
      const read = new StockReadRepository(storage.db)
      assert.deepEqual(ledger.items, await read.movements('HTTP-1', 3))
      const rest = (
        await call(admin, 'GET', `/products/HTTP-1/movements?limit=3&cursor=${ledger.next_cursor}`)
      ).json()
      assert.deepEqual(
        rest.items.map((m: { movement_id: string }) => m.movement_id),
        ['h1'],
      )
      const alerts = (await call(admin, 'GET', '/stock-alerts?state=open')).json()
      assert.deepEqual(
        alerts.items.map((a: { sku: string; available: number; threshold: number }) => [
          a.sku,
          a.available,
          a.threshold,
        ]),
        [['HTTP-1', 4, 5]],
      )
      assert.deepEqual(alerts.items, await read.alerts('open', 100))

      await new ProductEventsRepository(storage.db).append([
        { event_id: 'ev1', sku: 'HTTP-1', type: 'viewed', timestamp: '2026-01-01T00:00:00Z' },
        { event_id: 'ev2', sku: 'HTTP-1', type: 'purchased', timestamp: '2026-01-01T00:01:00Z', quantity: 2 },
      ])
      const events = (await call(admin, 'GET', '/products/HTTP-1/events?limit=1')).json()
      assert.deepEqual(
        events.items.map((e: { event_id: string }) => e.event_id),
        ['ev2'],
      )
      assert.deepEqual(events.items, await new ProductEventsRepository(storage.db).ofProduct('HTTP-1', 1))
      const older = (
        await call(admin, 'GET', `/products/HTTP-1/events?limit=1&cursor=${events.next_cursor}`)
      ).json()
      assert.deepEqual(
        older.items.map((e: { event_id: string }) => e.event_id),
        ['ev1'],
      )
      const bogus = await call(admin, 'GET', '/products/HTTP-1/events?cursor=bogus')
      assert.equal(bogus.statusCode, 400, bogus.body)

      assert.equal(
        (await call(admin, 'DELETE', '/products/HTTP-1', undefined, { 'if-match': '"1"' })).statusCode,
        412,
      )
      assert.equal(
        (await call(admin, 'DELETE', '/products/HTTP-1', undefined, { 'if-match': '"2"' })).statusCode,
        204,
      )
      assert.equal((await call(admin, 'GET', '/products/HTTP-1')).statusCode, 404)
    })

    it('POST /stock-movements and /product-events: 400 names the item and field, 202 after the broker holds every item', async (t) => {
      const { broker } = await open(t)
      const stockTopic = uniqueName('stock')
      const eventsTopic = uniqueName('events')
      await broker.ensureTopics(
        [stockTopic, eventsTopic].map((topic) => ({ name: topic, partitions: 2, replicationFactor: 1 })),
      )
      // Authentication is off: it has its own suite (platform contract); this one is about the streams.
      const { app: ingest } = await testIngestApp(broker, uniqueName('temperatures'), {
        streamRoutes: [
          {
            path: '/stock-movements',
            summary: 's',
            definition: stockMovementsStream,
            topic: stockTopic,
            schema: StockMovementV1,
          },
          {
            path: '/product-events',
            summary: 'e',
            definition: productEventsStream,
            topic: eventsTopic,
            schema: ProductEventV1,
          },
        ],
      })
      t.after(() => ingest.close())
      const good = {
        movement_id: 'p1',
        sku: 'POST-1',
        warehouse: 'w1',
        kind: 'receipt',
        quantity: 5,
        timestamp: '2026-01-01T00:00:00Z',
      }
      const bad = await call(ingest, 'POST', '/stock-movements', [
        good,
        { ...good, movement_id: 'p2', kind: 'sale', quantity: 5 },
      ])
      assert.equal(bad.statusCode, 400)
      assert.deepEqual(bad.json().errors, [
        { index: 1, field: 'quantity', reason: 'quantity must be negative for a sale' },
      ])
      const accepted = await call(ingest, 'POST', '/stock-movements', [good])
      assert.equal(accepted.statusCode, 202, accepted.body)
      const [stored] = await readRecords(broker, stockTopic, 1)
      assert.equal(stored?.key, 'POST-1')
      const event = await call(ingest, 'POST', '/product-events', {
        event_id: 'x1',
        sku: 'POST-1',
        type: 'viewed',
        timestamp: '2026-01-01T00:00:00Z',
      })
      assert.equal(event.statusCode, 202, event.body)
      assert.equal((await readRecords(broker, eventsTopic, 1))[0]?.key, 'POST-1')
    })
  })
}

type StockMovementV1Kind =
  | 'receipt'
  | 'sale'
  | 'reservation'
  | 'release'
  | 'adjustment'
  | 'transfer_in'
  | 'transfer_out'
