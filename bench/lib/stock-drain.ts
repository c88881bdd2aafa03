import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { cpuSecondsOf, quietLogger, testConfig, uniqueName } from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { checkInventory } from '../../src/inventory/inventory-check.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { startSaver } from '../../src/roles/saver/saver-role.ts'
import { topicsOf } from '../../src/runtime/composition.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import type { BenchContext } from './e2e.ts'

export type DrainedStream = 'stock-movements' | 'measurements'

/** One stream's backlog drained by one saver process (this one). */
export interface StreamDrain {
  readonly stream: DrainedStream
  readonly stored: number
  /** From the saver's start (group join included) to the last row. */
  readonly seconds: number
  readonly perSecond: number
  /** From the first stored row to the last: the sink's pace without the group join (null when one probe saw it all). */
  readonly steadyPerSecond: number | null
  /** CPU of this process (consume, decode, sink) and of the PostgreSQL backends serving it, per record. */
  readonly saverCpuUsPerRecord: number
  readonly postgresCpuUsPerRecord: number
  /** `flowline inventory check` after the drain (stock only): levels equal the ledger, none negative. */
  readonly invariant?: boolean
}

export interface StockDrainOptions {
  readonly broker: KafkaBroker
  /** A fresh, empty database (it is migrated here) and how to drop it. */
  readonly database: () => Promise<{ url: string; drop: () => Promise<void> }>
  readonly records: number
  readonly skus: number
}

/** User + system CPU of a process, in µs; 0 once it is gone. */
const cpuMicros = (pid: number) => cpuSecondsOf(pid) * 1e6

/** CPU of this database's backends, per pid (the bench's PostgreSQL runs on this machine). */
async function backendCpu(storage: PostgresStorage): Promise<Map<number, number>> {
  const { rows } = await sql<{ pid: number }>`
    SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(storage.db)
  return new Map(rows.map(({ pid }) => [pid, cpuMicros(pid)]))
}

/**
 * Receipts of 1,000 first for every sku, then sales, reservations and releases of 1 (a sku of
 * the releases' tenth is always refused with INSUFFICIENT_RESERVED: 10 % refusals, dead-lettered).
 */
function movement(i: number, skus: number, at: string) {
  const sku = `SKU-${String(i % skus).padStart(5, '0')}`
  if (i < skus)
    return { movement_id: `m${i}`, sku, warehouse: 'w1', kind: 'receipt', quantity: 1000, timestamp: at }
  const kind = i % 10 === 0 ? 'reservation' : i % 10 === 1 ? 'release' : 'sale'
  const quantity = kind === 'reservation' ? 1 : -1
  return { movement_id: `m${i}`, sku, warehouse: 'w1', kind, quantity, timestamp: at }
}

function measurement(i: number, skus: number, at: string) {
  return {
    sensor_id: `sensor-${i % skus}`,
    temperature: 20,
    timestamp: new Date(Date.parse(at) - i).toISOString(),
  }
}

/**
 * Fills a fresh topic (4 partitions) with a backlog of `records`, starts the saver
 * (`--streams <stream>`, default batch size and members) in this process on a fresh database, and
 * times the drain until every record is a row.
 */
export async function drainStream(stream: DrainedStream, options: StockDrainOptions): Promise<StreamDrain> {
  const { broker, records, skus } = options
  const { url, drop } = await options.database()
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
  const at = new Date().toISOString()
  for (let start = 0; start < records; start += 5000) {
    const batch = []
    for (let i = start; i < Math.min(records, start + 5000); i++) {
      const value = stream === 'measurements' ? measurement(i, skus, at) : movement(i, skus, at)
      batch.push({ topic, key: 'sku' in value ? value.sku : value.sensor_id, value: JSON.stringify(value) })
    }
    await broker.publish(batch)
  }
  const table = stream === 'measurements' ? 'measurements' : 'stock_movements'
  const backendsBefore = await backendCpu(storage)
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const saver = await startSaver(config, broker, storage, quietLogger(), createMetrics())
  const deadline = Date.now() + 300_000
  let stored = 0
  let firstStored: { at: number; count: number } | undefined
  while (stored < records && Date.now() < deadline) {
    await sleep(250)
    // A busy shared machine may time a probe out (3 s to connect): the next one tells.
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`
      .execute(storage.db)
      .catch(() => ({ rows: [{ n: stored }] }))
    stored = rows[0]?.n ?? 0
    if (!firstStored && stored > 0) firstStored = { at: performance.now(), count: stored }
  }
  const finished = performance.now()
  const cpu = process.cpuUsage(cpuBefore)
  let backendMicros = 0
  for (const [pid, micros] of await backendCpu(storage))
    backendMicros += micros - (backendsBefore.get(pid) ?? 0)
  await saver.close()
  const check = stream === 'stock-movements' ? await checkInventory(storage.db) : undefined
  await storage.close()
  await drop()
  const seconds = (finished - started) / 1000
  const steadySeconds = firstStored ? (finished - firstStored.at) / 1000 : Number.NaN
  const perRecord = (micros: number) => Math.round((micros / stored) * 10) / 10
  return {
    stream,
    stored,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(stored / seconds),
    steadyPerSecond:
      firstStored && stored > firstStored.count
        ? Math.round((stored - firstStored.count) / steadySeconds)
        : null,
    saverCpuUsPerRecord: perRecord(cpu.user + cpu.system),
    postgresCpuUsPerRecord: perRecord(backendMicros),
    ...(check ? { invariant: check.ok } : {}),
  }
}

/** The stock stream and the measurement stream drained in turn, `rounds` times, so both see the same load. */
export async function compareStockDrain(
  options: StockDrainOptions & { rounds: number; only?: DrainedStream },
) {
  const drains: StreamDrain[] = []
  for (let round = 0; round < options.rounds; round++)
    for (const stream of ['stock-movements', 'measurements'] as const)
      if (!options.only || options.only === stream) drains.push(await drainStream(stream, options))
  return { records: options.records, skus: options.skus, drains }
}

export type StockDrainComparison = Awaited<ReturnType<typeof compareStockDrain>>

/** `npm run bench -- --only stock`: the comparison on the bench's private Kafka and PostgreSQL. */
export async function benchStockDrain(context: BenchContext, records: number): Promise<StockDrainComparison> {
  const broker = new KafkaBroker({
    bootstrapBrokers: [context.services.kafkaBrokers],
    clientId: `${context.tag}-stock-drain`,
    requestTimeoutMs: 30_000,
  })
  let n = 0
  const database = async () => {
    const name = `${context.tag}_stock_${n++}`
    const url = await context.services.createDatabase(name)
    return { url, drop: () => context.services.dropDatabase(name) }
  }
  try {
    return await compareStockDrain({ broker, database, records, skus: 10_000, rounds: 2 })
  } finally {
    await broker.close()
  }
}
