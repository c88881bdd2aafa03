/**
 * Stock movements applied per second by one saver process (`--streams stock-movements`), beside
 * the measurement saver's rate, on real Kafka and PostgreSQL. Each round fills a fresh topic with
 * a backlog, starts the saver in this process and times the drain until every record is in the
 * database; the two streams alternate so that both see the same machine load.
 *
 *   node bench/stock-movements.bench.ts [--records 100000] [--skus 10000] [--rounds 2]
 */

import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { KafkaBroker } from '../src/broker/kafka/kafka-broker.ts'
import { checkInventory } from '../src/inventory/inventory-check.ts'
import { startSaver } from '../src/roles/saver/saver-role.ts'
import { topicsOf } from '../src/runtime/composition.ts'
import { PostgresStorage } from '../src/storage/postgres-storage.ts'
import { createMetrics, quietLogger, testConfig } from '../test/helpers/pipeline.ts'
import { createTestDatabase, requireKafka, uniqueName } from '../test/helpers/services.ts'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    skus: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '2' },
  },
})
const records = Number(values.records)
const skus = Number(values.skus)
const at = new Date().toISOString()

/** Receipts first for every sku, then a mix of sales, reservations and releases that mostly apply. */
function movement(i: number) {
  const sku = `SKU-${String(i % skus).padStart(5, '0')}`
  if (i < skus)
    return { movement_id: `m${i}`, sku, warehouse: 'w1', kind: 'receipt', quantity: 1000, timestamp: at }
  const kind = i % 10 === 0 ? 'reservation' : i % 10 === 1 ? 'release' : 'sale'
  const quantity = kind === 'reservation' ? 1 : -1
  return { movement_id: `m${i}`, sku, warehouse: 'w1', kind, quantity, timestamp: at }
}
function measurement(i: number) {
  return {
    sensor_id: `sensor-${i % skus}`,
    temperature: 20,
    timestamp: new Date(Date.parse(at) - i).toISOString(),
  }
}

async function round(stream: 'stock-movements' | 'measurements', broker: KafkaBroker) {
  const { url, drop } = await createTestDatabase()
  const storage = new PostgresStorage({ connectionString: url })
  await storage.migrate()
  const config = testConfig({
    streams: stream,
    topic: uniqueName('temperatures'),
    stockTopic: uniqueName('stock'),
    errorsTopic: uniqueName('errors'),
    group: uniqueName('saver'),
    inventoryGroupPrefix: `${uniqueName('inv')}-`,
    partitions: 4,
    saverPort: 0,
    logLevel: 'silent',
  })
  await broker.ensureTopics(
    topicsOf(config).filter((topic) =>
      [config.topic, config.stockTopic, config.errorsTopic].includes(topic.name),
    ),
  )
  const topic = stream === 'measurements' ? config.topic : config.stockTopic
  for (let start = 0; start < records; start += 5000) {
    const batch = []
    for (let i = start; i < Math.min(records, start + 5000); i++) {
      const value = stream === 'measurements' ? measurement(i) : movement(i)
      batch.push({ topic, key: 'sku' in value ? value.sku : value.sensor_id, value: JSON.stringify(value) })
    }
    await broker.publish(batch)
  }
  const table = stream === 'measurements' ? 'measurements' : 'stock_movements'
  const started = performance.now()
  const saver = await startSaver(config, broker, storage, quietLogger(), createMetrics())
  const deadline = Date.now() + 300_000
  let stored = 0
  while (stored < records && Date.now() < deadline) {
    await sleep(500)
    // A busy shared machine may time a probe out (3 s to connect): the next one tells.
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`
      .execute(storage.db)
      .catch(() => ({ rows: [{ n: stored }] }))
    stored = rows[0]?.n ?? 0
  }
  const seconds = (performance.now() - started) / 1000
  await saver.close()
  const check = stream === 'stock-movements' ? await checkInventory(storage.db) : undefined
  await storage.close()
  await drop()
  return { stream, stored, seconds, perSecond: Math.round(stored / seconds), invariant: check?.ok }
}

await requireKafka()
const broker = new KafkaBroker({
  bootstrapBrokers: ['127.0.0.1:9092'],
  clientId: uniqueName('bench'),
  requestTimeoutMs: 10_000,
})
const results = []
for (let r = 0; r < Number(values.rounds); r++)
  for (const stream of ['stock-movements', 'measurements'] as const) {
    const result = await round(stream, broker)
    results.push(result)
    process.stdout.write(`${JSON.stringify(result)}\n`)
  }
await broker.close()
