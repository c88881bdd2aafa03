import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import type { Broker } from '../../src/broker/broker.ts'
import { EmbeddedBroker } from '../../src/broker/embedded/embedded-broker.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { startSaver } from '../../src/roles/saver/saver-role.ts'
import { topicsOf } from '../../src/runtime/composition.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { etlSetups } from '../contracts/etl-setups.ts'
import { finished, openEtl } from '../helpers/etl.ts'
import { createMetrics, quietLogger, testConfig } from '../helpers/pipeline.ts'
import { requireKafka, uniqueName } from '../helpers/services.ts'

type OpenPair = (t: TestContext) => Promise<{ broker: Broker; storage: Storage; embedded: boolean }>

const PRODUCTS_CSV = [
  'sku,name,category,price,version,low_stock_threshold,attributes',
  'ETL-1,Kettle,kitchen,24.90,1,5,', //                         2: good
  'ETL-2,Mug,kitchen,3.5,2,,"{""color"":""red""}"', //           3: good, attributes as JSON
  'ETL-3,Plate,kitchen,9.99,1,null,', //                         4: good, no threshold
  'ETL-4,Bowl,kitchen,cheap,1,,', //                             5: rejected, price
  'ETL-5,Fork,kitchen,1.00,one,,', //                            6: rejected, version not a number
  'ETL-6,,kitchen,1.00,1,,', //                                  7: rejected, no name
  'ETL-7,Cup,kitchen,1.00,1,,{not json', //                      8: rejected, attributes
].join('\n')

const STOCK_CSV = [
  'movement_id,sku,warehouse,kind,quantity,timestamp,reference',
  'etl-m1,ETL-1,w1,receipt,10,2026-11-01T00:00:00Z,PO-1', //    2: good
  'etl-m2,ETL-1,w1,sale,-3,2026-11-01T01:00:00Z,', //           3: good
  'etl-m3,ETL-1,w1,sale,3,2026-11-01T02:00:00Z,', //            4: rejected, sign
  'etl-m4,ETL-1,w1,gift,1,2026-11-01T02:00:00Z,', //            5: rejected, kind
  'etl-m5,ETL-2,w2,receipt,4,yesterday,', //                    6: rejected, timestamp
].join('\n')

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`)
    await sleep(200)
  }
}

function runInventoryImportTests(name: string, open: OpenPair) {
  describe(`ETL inventory import: ${name}`, { timeout: 300_000 }, () => {
    it('publishes the good rows of a catalog and a stock CSV to their topics, the stream consumers apply them once, bad rows are rejected with line and reason', async (t) => {
      const { broker, storage, embedded } = await open(t)
      const config = testConfig({
        ...(embedded ? { embedded: true } : {}),
        streams: 'products,stock-movements',
        productsTopic: uniqueName('etl-products'),
        stockTopic: uniqueName('etl-stock'),
        productEventsTopic: uniqueName('etl-product-events'),
        topic: uniqueName('etl-temperatures'),
        errorsTopic: uniqueName('etl-errors'),
        inventoryGroupPrefix: `${uniqueName('etl-inv')}-`,
        saverPort: 0,
        batchWait: 20,
      })
      await broker.ensureTopics(topicsOf(config))
      const saver = await startSaver(config, broker, storage, quietLogger(), createMetrics())
      t.after(() => saver.close())
      const etl = await openEtl(storage, config, {
        topics: { products: config.productsTopic, stock: config.stockTopic },
        publish: (records) => broker.publish(records),
      })
      t.after(() => etl.close())
      await etl.startWorker('worker-inventory')

      await etl.writeImport('catalog.csv', PRODUCTS_CSV)
      const importRun = async (source: string, stream: 'products' | 'stock-movements') =>
        etl.waitFor((await etl.service.trigger('import-inventory', { source, stream }, 'api')).id, finished)
      const products = await importRun('catalog.csv', 'products')
      assert.equal(products.status, 'succeeded', products.error ?? '')
      assert.deepEqual(products.counts, { read: 7, valid: 3, rejected: 4, loaded: 3, duplicates: 0 })
      const productRejects = await etl.repository.rejects(products.id, 0, 100)
      assert.deepEqual(
        productRejects.map((reject) => reject.line),
        [5, 6, 7, 8],
      )
      assert.match(productRejects[0]?.reason ?? '', /price must match pattern/)
      assert.match(productRejects[1]?.reason ?? '', /version: "one" is not a number/)
      assert.match(productRejects[2]?.reason ?? '', /name is required/)
      assert.match(productRejects[3]?.reason ?? '', /attributes: "\{not json" is not a JSON object/)
      const readProducts = async () =>
        (
          await sql<{ sku: string; price: string; version: string; attributes: unknown; low: number | null }>`
            SELECT sku, price::text AS price, version::text AS version, attributes,
                   low_stock_threshold AS low
            FROM products WHERE sku LIKE 'ETL-%' ORDER BY sku`.execute(storage.db)
        ).rows
      const applied = await until(
        readProducts,
        (rows) => rows.length === 3,
        'the consumer to apply 3 products',
      )
      assert.deepEqual(applied, [
        { sku: 'ETL-1', price: '24.9000', version: '1', attributes: {}, low: 5 },
        { sku: 'ETL-2', price: '3.5000', version: '2', attributes: { color: 'red' }, low: null },
        { sku: 'ETL-3', price: '9.9900', version: '1', attributes: {}, low: null },
      ])

      await etl.writeImport('stock.csv', STOCK_CSV)
      const stock = await importRun('stock.csv', 'stock-movements')
      assert.equal(stock.status, 'succeeded', stock.error ?? '')
      assert.deepEqual(stock.counts, { read: 5, valid: 2, rejected: 3, loaded: 2, duplicates: 0 })
      const stockRejects = await etl.repository.rejects(stock.id, 0, 100)
      assert.deepEqual(
        stockRejects.map((reject) => reject.line),
        [4, 5, 6],
      )
      assert.match(stockRejects[0]?.reason ?? '', /sale/)
      assert.match(stockRejects[1]?.reason ?? '', /kind/)
      assert.match(stockRejects[2]?.reason ?? '', /timestamp/)
      const readLevels = async () =>
        (
          await sql<{ sku: string; warehouse: string; on_hand: number }>`
            SELECT sku, warehouse, on_hand::int AS on_hand FROM stock_levels WHERE sku LIKE 'ETL-%'`.execute(
            storage.db,
          )
        ).rows
      await until(
        readLevels,
        (rows) => rows.length === 1 && rows[0]?.on_hand === 7,
        'the stock consumer to apply receipt 10 and sale -3',
      )

      // A second run of both files publishes again; the consumers apply nothing twice.
      for (const [source, stream] of [
        ['catalog.csv', 'products'],
        ['stock.csv', 'stock-movements'],
      ] as const) {
        const again = await importRun(source, stream)
        assert.equal(again.status, 'succeeded', again.error ?? '')
      }
      const countMovements = async () =>
        (
          await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM stock_movements WHERE sku LIKE 'ETL-%'`.execute(storage.db)
        ).rows[0]?.n ?? 0
      // The consumer has seen the re-published records once it stored the second movement file's
      // duplicates (none): wait for the group to catch up with the topic, then compare.
      await sleep(3000)
      assert.equal(await countMovements(), 2)
      assert.deepEqual(await readLevels(), [{ sku: 'ETL-1', warehouse: 'w1', on_hand: 7 }])
      assert.deepEqual(await readProducts(), applied)
    })
  })
}

/** The storage of each ETL setup, with the broker of its pair: real Kafka beside PostgreSQL, the embedded log beside PGlite. */
for (const [name, openSetup] of etlSetups())
  runInventoryImportTests(name, async (t) => {
    const setup = await openSetup()
    const embedded = setup.config.embedded
    const logDir = embedded ? await mkdtemp(join(tmpdir(), 'flowline-etl-log-')) : undefined
    const broker = logDir
      ? await EmbeddedBroker.open({ directory: logDir })
      : new KafkaBroker({
          bootstrapBrokers: await requireKafka(),
          clientId: uniqueName('etl'),
          requestTimeoutMs: 5000,
        })
    t.after(async () => {
      await broker.close()
      await setup.storage.close()
      await setup.cleanup()
      if (logDir) await rm(logDir, { recursive: true, force: true, maxRetries: 10 })
    })
    await setup.storage.migrate()
    return { broker, storage: setup.storage, embedded }
  })
