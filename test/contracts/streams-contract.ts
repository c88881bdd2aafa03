import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { drainTopic } from '../../harness/index.ts'
import type { Broker, IncomingRecord, OutgoingRecord } from '../../src/broker/broker.ts'
import type { Config } from '../../src/config/config.ts'
import { checkInventory } from '../../src/inventory/inventory-check.ts'
import { startSaver } from '../../src/roles/saver/saver-role.ts'
import { topicsOf } from '../../src/runtime/composition.ts'
import { ProductsRepository } from '../../src/storage/inventory/products-repository.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { allStreams } from '../../src/streams/stream-registry.ts'
import { testIngestApp } from '../helpers/ingest-app.ts'
import { createMetrics, quietLogger, testConfig } from '../helpers/pipeline.ts'
import { uniqueName } from '../helpers/services.ts'

/** A broker and a migrated storage of one adapter pair, closed when the test ends. */
export type OpenPair = (t: TestContext) => Promise<{ broker: Broker; storage: Storage; partitions: number }>

/** A configuration whose topics and groups are unique to one test, with every stream. */
async function pairConfig(
  t: TestContext,
  open: OpenPair,
  streams = 'measurements,products,product-events,stock-movements',
) {
  const { broker, storage, partitions } = await open(t)
  const config = testConfig({
    streams,
    topic: uniqueName('temperatures'),
    errorsTopic: uniqueName('errors'),
    productsTopic: uniqueName('products'),
    productEventsTopic: uniqueName('product-events'),
    stockTopic: uniqueName('stock'),
    windowsTopic: uniqueName('windows'),
    alertsTopic: uniqueName('alerts'),
    group: uniqueName('saver'),
    inventoryGroupPrefix: `${uniqueName('inv')}-`,
    partitions,
    saverPort: 0,
    batchWait: 20,
  })
  await broker.ensureTopics(topicsOf(config))
  return { broker, storage, config }
}

async function runSaver(t: TestContext, config: Config, broker: Broker, storage: Storage) {
  const saver = await startSaver(config, broker, storage, quietLogger(), createMetrics())
  t.after(() => saver.close())
  return saver
}

async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs
  let value = await read()
  while (!done(value)) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(value)}`)
    await sleep(100)
    value = await read()
  }
  return value
}

const count = async (storage: Storage, query: string) => {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(query)}`.execute(
    storage.db,
  )
  return rows[0]?.n ?? 0
}

const entriesOf = (records: readonly IncomingRecord[]) =>
  records.map((record) => JSON.parse(record.value.toString('utf8')) as Record<string, unknown>)

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString()
const record = (topic: string, key: string, value: unknown): OutgoingRecord => ({
  topic,
  key,
  value: JSON.stringify(value),
})

/** One valid payload per stream, a bad one and how to count what was stored: the table every stream is held to. */
function fixtures(config: Config) {
  return {
    measurements: {
      topic: config.topic,
      valid: (i: number) => ({ sensor_id: `s-${i % 7}`, temperature: 20 + i / 10, timestamp: at(i) }),
      key: (i: number) => `s-${i % 7}`,
      bad: { sensor_id: 's-0', temperature: 'warm', timestamp: at(1) },
      badField: 'temperature',
      stored: 'measurements',
    },
    products: {
      topic: config.productsTopic,
      valid: (i: number) => ({
        sku: `P-${i}`,
        name: `Product ${i}`,
        category: 'toys',
        price: '9.99',
        version: 1,
      }),
      key: (i: number) => `P-${i}`,
      bad: { sku: 'P-bad', name: 'x', category: 'toys', price: 9.99, version: 1 },
      badField: 'price',
      stored: 'products',
    },
    'product-events': {
      topic: config.productEventsTopic,
      valid: (i: number) => ({ event_id: `e-${i}`, sku: `P-${i % 5}`, type: 'viewed', timestamp: at(i) }),
      key: (i: number) => `P-${i % 5}`,
      bad: { event_id: 'e-bad', sku: 'P-1', type: 'liked', timestamp: at(1) },
      badField: 'type',
      stored: 'product_events',
    },
    'stock-movements': {
      topic: config.stockTopic,
      valid: (i: number) => ({
        movement_id: `m-${i}`,
        sku: `P-${i % 5}`,
        warehouse: 'w1',
        kind: 'receipt',
        quantity: 2,
        timestamp: at(i),
      }),
      key: (i: number) => `P-${i % 5}`,
      bad: { movement_id: 'm-bad', sku: 'P-1', warehouse: 'w1', kind: 'sale', quantity: 3, timestamp: at(1) },
      badField: 'quantity',
      stored: "stock_movements WHERE status = 'applied'",
    },
  } as const
}

/**
 * The stream contract, run on every adapter pair (test/contracts/streams.test.ts): each stream
 * definition stores its records once, dead-letters bad ones and unknown versions with a reason,
 * and the inventory rules hold under concurrency and reordering.
 */
export function runStreamsContract(name: string, open: OpenPair) {
  describe(`streams contract: ${name}`, () => {
    it('every stream stores each record once, and dead-letters bad payloads and unknown versions with their reason', async (t) => {
      const { broker, storage, config } = await pairConfig(t, open)
      await runSaver(t, config, broker, storage)
      const table = fixtures(config)
      const names = Object.keys(allStreams(config)) as Array<keyof typeof table>
      assert.deepEqual(names.sort(), Object.keys(table).sort(), 'every stream definition has a fixture here')
      const n = 20
      for (const stream of names) {
        const fixture = table[stream]
        const good = Array.from({ length: n }, (_, i) =>
          record(fixture.topic, fixture.key(i), fixture.valid(i)),
        )
        await broker.publish(good)
        // Redelivered or retried by a producer: applied once.
        await broker.publish(good.slice(0, 5))
        await broker.publish([
          record(fixture.topic, 'k', fixture.bad),
          record(fixture.topic, 'k', { ...fixture.valid(999), schema_version: 3 }),
          { topic: fixture.topic, key: 'k', value: '{not json' },
        ])
      }
      for (const stream of names)
        await until(
          () => count(storage, table[stream].stored),
          (stored) => stored === n,
          `${n} rows of ${stream}`,
        )
      const deadLetters = entriesOf(await drainTopic(broker, config.errorsTopic, names.length * 3))
      for (const stream of names) {
        const fixture = table[stream]
        const mine = deadLetters.filter((entry) => entry.source_topic === fixture.topic)
        assert.equal(mine.length, 3, `${stream}: three dead letters, ${JSON.stringify(mine)}`)
        assert.ok(
          mine.some((entry) => entry.field === fixture.badField),
          `${stream}: the bad field is named`,
        )
        assert.ok(
          mine.some(
            (entry) =>
              entry.field === 'schema_version' &&
              /3 is not a version of the .* stream \(known: 1/.test(String(entry.reason)),
          ),
          `${stream}: the unknown version is named`,
        )
        assert.ok(mine.some((entry) => /not valid JSON/.test(String(entry.reason))))
        assert.equal(await count(storage, table[stream].stored), n, `${stream}: nothing applied twice`)
      }
    })

    it('concurrent sales for the last units: exactly the available quantity is sold, the rest refused with INSUFFICIENT_STOCK', async (t) => {
      const { broker, storage, config } = await pairConfig(t, open, 'stock-movements')
      await runSaver(t, config, broker, storage)
      const skus = ['LAST-1', 'LAST-2', 'LAST-3', 'LAST-4']
      const move = (id: string, sku: string, kind: string, quantity: number, extra = {}) =>
        record(config.stockTopic, sku, {
          movement_id: id,
          sku,
          warehouse: 'main',
          kind,
          quantity,
          timestamp: at(0),
          ...extra,
        })
      // 10 on hand, 3 reserved: 7 available per sku.
      await broker.publish(
        skus.flatMap((sku) => [
          move(`${sku}-in`, sku, 'receipt', 10),
          move(`${sku}-hold`, sku, 'reservation', 3),
        ]),
      )
      const buyers = 25
      // Every buyer is its own producer call, all in flight at once.
      await Promise.all(
        skus.flatMap((sku) =>
          Array.from({ length: buyers }, (_, b) =>
            broker.publish([move(`${sku}-sale-${b}`, sku, 'sale', -1)]),
          ),
        ),
      )
      // Then the reserved units are sold, and one release more than what is left reserved.
      await broker.publish(
        skus.flatMap((sku) => [
          move(`${sku}-reserved-sale`, sku, 'sale', -3, { consumes_reservation: true }),
          move(`${sku}-release`, sku, 'release', -1),
        ]),
      )
      const decided = skus.length * (2 + buyers + 2)
      await until(
        () => count(storage, 'stock_movements'),
        (n) => n === decided,
        `${decided} decided movements`,
      )
      const { rows: levels } = await sql<{ sku: string; on_hand: string; reserved: string }>`
        SELECT sku, on_hand::text, reserved::text FROM stock_levels ORDER BY sku`.execute(storage.db)
      assert.deepEqual(
        levels.map((row) => [row.sku, Number(row.on_hand), Number(row.reserved)]),
        skus.map((sku) => [sku, 0, 0]),
        'all 10 units sold (7 available + 3 reserved), nothing negative',
      )
      const { rows: sold } = await sql<{ sku: string; n: number }>`
        SELECT sku, count(*)::int AS n FROM stock_movements
        WHERE kind = 'sale' AND status = 'applied' AND NOT movement_id LIKE '%reserved-sale' GROUP BY sku ORDER BY sku`.execute(
        storage.db,
      )
      assert.deepEqual(
        sold.map((row) => row.n),
        skus.map(() => 7),
        'exactly the available quantity was sold',
      )
      const check = await checkInventory(storage.db)
      assert.equal(check.ok, true, JSON.stringify(check))
      assert.equal(check.refusedMovements, skus.length * (buyers - 7 + 1))
      const refusals = entriesOf(await drainTopic(broker, config.errorsTopic, check.refusedMovements))
      const insufficient = refusals.filter((entry) => entry.code === 'INSUFFICIENT_STOCK')
      assert.equal(insufficient.length, skus.length * (buyers - 7), 'every refused sale is in errors')
      assert.deepEqual(
        insufficient[0]?.details,
        { on_hand: 3, reserved: 3, available: 0, requested: -1 },
        'with the levels it saw',
      )
      assert.equal(refusals.filter((entry) => entry.code === 'INSUFFICIENT_RESERVED').length, skus.length)
    })

    it('product versions arriving out of order converge to the newest; a delete is not undone by an older version', async (t) => {
      const { broker, storage, config } = await pairConfig(t, open, 'products')
      await runSaver(t, config, broker, storage)
      const version = (sku: string, v: number, extra = {}) =>
        record(config.productsTopic, sku, {
          sku,
          name: `${sku} v${v}`,
          category: 'c',
          price: `${v}.10`,
          version: v,
          ...extra,
        })
      for (const v of [3, 1, 5, 2, 4]) await broker.publish([version('OOO-1', v)])
      await broker.publish([version('OOO-2', 2), version('OOO-2', 7), version('OOO-2', 4)])
      await broker.publish([version('OOO-3', 1), version('OOO-3', 6, { deleted: true })])
      await broker.publish([version('OOO-3', 5)])
      const products = new ProductsRepository(storage.db)
      const settled = async () => Promise.all(['OOO-1', 'OOO-2', 'OOO-3'].map((sku) => products.get(sku)))
      const [one, two, three] = await until(
        settled,
        (rows) =>
          Number(rows[0]?.version) === 5 && Number(rows[1]?.version) === 7 && rows[2]?.deleted === true,
        'the newest version of each of three products',
      )
      // Each sku's partition is read in order, at its own pace (on a busy machine one sku's partition
      // may trail another's): once the newest of each is stored, an older one must not replace it.
      await sleep(500)
      assert.deepEqual([one?.version, one?.name, one?.price], [5, 'OOO-1 v5', '5.1'])
      assert.deepEqual([two?.version, two?.price], [7, '7.1'])
      assert.deepEqual([three?.version, three?.deleted], [6, true])
    })

    it('v1 and v2 measurements go through ingest and saver; an unknown v3 is dead-lettered with its reason', async (t) => {
      const { broker, storage, config } = await pairConfig(t, open, 'measurements')
      await runSaver(t, config, broker, storage)
      // Authentication is off: it has its own suite (platform contract); this one is about the streams.
      const { app: ingest } = await testIngestApp(broker, config.topic)
      t.after(() => ingest.close())
      const now = Date.now()
      const answer = await ingest.inject({
        method: 'POST',
        url: '/measurements',
        payload: [
          { sensor_id: 'v1', temperature: 20, timestamp: now - 2000 },
          { sensor_id: 'v1', temperature: 21, timestamp: now - 1000, schema_version: 1 },
          { sensor_id: 'v2', temperature: 22, timestamp: now - 2000, schema_version: 2, humidity: 55.5 },
          { sensor_id: 'v2', temperature: 23, timestamp: now - 1000, schema_version: 2 },
        ],
      })
      assert.equal(answer.statusCode, 202, answer.body)
      const refused = await ingest.inject({
        method: 'POST',
        url: '/measurements',
        payload: { sensor_id: 'v3', temperature: 1, timestamp: now, schema_version: 3, pressure: 1013 },
      })
      assert.equal(refused.statusCode, 400)
      assert.equal(refused.json().errors[0].field, 'schema_version')
      // A producer of a future version writes to the topic directly: the saver must not guess.
      await broker.publish([
        record(config.topic, 'v3', {
          sensor_id: 'v3',
          temperature: 1,
          timestamp: new Date(now).toISOString(),
          schema_version: 3,
        }),
      ])
      await until(
        () => count(storage, 'measurements'),
        (n) => n === 4,
        '4 measurements',
      )
      const { rows } = await sql<{ sensor_id: string; humidity: number | null }>`
        SELECT sensor_id, humidity FROM measurements ORDER BY sensor_id, ts`.execute(storage.db)
      assert.deepEqual(
        rows.map((row) => [row.sensor_id, row.humidity]),
        [
          ['v1', null],
          ['v1', null],
          ['v2', 55.5],
          ['v2', null],
        ],
      )
      const [deadLetter] = entriesOf(await drainTopic(broker, config.errorsTopic, 1))
      assert.equal(deadLetter?.field, 'schema_version')
      assert.match(String(deadLetter?.reason), /3 is not a version of the measurement stream \(known: 1, 2\)/)
    })
  })
}
