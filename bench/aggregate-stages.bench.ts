/**
 * CPU per record of the window aggregator, by stage, on the shared services (or KAFKA_BROKERS /
 * DATABASE_URL): one topic is filled with `records` readings (2,000 sensors unless given, 4 partitions), then
 * `rounds` times a fresh database and group drain it with one in-process aggregator member.
 *
 * Stages: the Kafka client's fetch alone (a plain subscription that only counts), JSON decode and
 * validation (`decodeRecord` over the same records), and each SQL step of a batch, timed around the
 * repository call with the CPU of this database's PostgreSQL backends (read from /proc) beside the
 * Node CPU. Outside `npm run bench`: `node bench/aggregate-stages.bench.ts [records] [rounds] [sensors=2000] [eventsPerS=1000]`.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { HARNESS_API_KEY } from '../harness/credentials.ts'
import {
  cpuSecondsOf,
  SHARED_DATABASE_URL,
  SHARED_KAFKA_BROKERS,
  scratchDatabase,
  scratchTopic,
  uniqueName,
} from '../harness/index.ts'
import { KafkaBroker } from '../src/broker/kafka/kafka-broker.ts'
import { loadConfig } from '../src/config/config.ts'
import { encodeMeasurement } from '../src/domain/measurement.ts'
import { createLogger } from '../src/observability/logger.ts'
import { createMetrics } from '../src/observability/metrics.ts'
import { startAggregate } from '../src/roles/aggregate/aggregate-role.ts'
import { AlertEvaluator } from '../src/roles/aggregate/alert-evaluator.ts'
import { OutboxPublisher } from '../src/roles/aggregate/outbox-publisher.ts'
import { WindowsRepository } from '../src/roles/aggregate/windows-repository.ts'
import { decodeRecord } from '../src/roles/saver/measurement-saver.ts'
import { PostgresStorage } from '../src/storage/postgres-storage.ts'

const KAFKA = [...SHARED_KAFKA_BROKERS]
const ADMIN_URL = SHARED_DATABASE_URL
const RECORDS = Number(process.argv[2] ?? 100_000)
const ROUNDS = Number(process.argv[3] ?? 2)
const SENSORS = Number(process.argv[4] ?? 2000)
/** Readings per second of event time: 1,000 (one a ms) unless given; an E2E run at 30,000/s stamps 30,000. */
const EVENT_RATE = Number(process.argv[5] ?? 1000)
const PARTITIONS = 4

type Stage = { nodeUs: number; pgUs: number; wallUs: number; calls: number }
const stages = new Map<string, Stage>()
let pgPids: number[] = []

const pgCpuUs = () => pgPids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0) * 1e6
const nodeCpuUs = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** Wraps `owner[name]` so that each call adds its Node CPU, PostgreSQL CPU and wall time to `stage`. */
function timed(owner: Record<string, unknown>, name: string, stage: string): void {
  const original = owner[name] as (...args: unknown[]) => Promise<unknown>
  owner[name] = async function (this: unknown, ...args: unknown[]) {
    const [n0, p0, w0] = [nodeCpuUs(), pgCpuUs(), performance.now()]
    try {
      return await original.apply(this, args)
    } finally {
      const entry = stages.get(stage) ?? { nodeUs: 0, pgUs: 0, wallUs: 0, calls: 0 }
      entry.nodeUs += nodeCpuUs() - n0
      entry.pgUs += pgCpuUs() - p0
      entry.wallUs += (performance.now() - w0) * 1000
      entry.calls += 1
      stages.set(stage, entry)
    }
  }
}

const repo = WindowsRepository.prototype as unknown as Record<string, unknown>
timed(repo, 'lockCheckpoints', 'sql: lock checkpoints')
timed(repo, 'mergeReadings', 'sql: merge readings (dedup + window upsert)')
timed(repo, 'closeWindows', 'sql: close windows (+ outbox)')
timed(repo, 'saveCheckpoints', 'sql: save checkpoints')
timed(AlertEvaluator.prototype as unknown as Record<string, unknown>, 'onReadings', 'alerts on readings')
timed(OutboxPublisher.prototype as unknown as Record<string, unknown>, 'publishPending', 'publish outbox')

async function fill(topic: string): Promise<void> {
  const broker = new KafkaBroker({
    bootstrapBrokers: KAFKA,
    clientId: uniqueName('fill'),
    requestTimeoutMs: 30_000,
  })
  const start = Date.now() - 3_600_000
  for (let first = 0; first < RECORDS; first += 10_000) {
    const chunk = []
    for (let i = first; i < Math.min(RECORDS, first + 10_000); i++) {
      const sensorId = `sensor-${i % SENSORS}`
      chunk.push({
        topic,
        key: sensorId,
        value: encodeMeasurement({
          sensorId,
          temperature: 20 + (i % 100) / 10,
          timestampMs: start + Math.floor((i * 1000) / EVENT_RATE),
        }),
      })
    }
    await broker.publish(chunk)
  }
  await broker.close()
}

/** The Kafka client alone: a subscription that counts records; returns Node CPU µs per record and the records. */
async function fetchOnly(topic: string) {
  const broker = new KafkaBroker({
    bootstrapBrokers: KAFKA,
    clientId: uniqueName('fetch'),
    requestTimeoutMs: 30_000,
  })
  const subscription = await broker.subscribe({
    groupId: uniqueName('fetch'),
    topics: [topic],
    maxBatch: 5000,
    maxWaitMs: 50,
  })
  const records = []
  let cpu0 = 0
  for await (const batch of subscription) {
    if (records.length === 0) cpu0 = nodeCpuUs()
    records.push(...batch.records)
    if (records.length >= RECORDS) break
  }
  const us = (nodeCpuUs() - cpu0) / records.length
  await subscription.close()
  await broker.close()
  return { us, records }
}

async function drain(topic: string, round: number) {
  const database = await scratchDatabase(ADMIN_URL, { prefix: 'flowline_aggbench' })
  const config = loadConfig(
    {
      logLevel: 'warn',
      bootstrapApiKey: HARNESS_API_KEY,
      kafkaBrokers: KAFKA.join(','),
      databaseUrl: database.url,
      topic,
      aggregateGroup: uniqueName(`aggbench-${round}`),
      windowsTopic: `${topic}_windows`,
      alertsTopic: `${topic}_alerts`,
      aggregatePort: 0,
      aggregateConsumers: Number(process.env.AGG_CONSUMERS ?? 1),
      // The role's defaults unless set: batch size and wait decide how many readings share a window row.
      ...(process.env.AGG_BATCH ? { aggregateBatchSize: Number(process.env.AGG_BATCH) } : {}),
      ...(process.env.AGG_WAIT_MS ? { aggregateBatchWaitMs: Number(process.env.AGG_WAIT_MS) } : {}),
    },
    {},
  )
  const storage = new PostgresStorage({ connectionString: database.url })
  await storage.migrate()
  const broker = new KafkaBroker({
    bootstrapBrokers: KAFKA,
    clientId: uniqueName('agg'),
    requestTimeoutMs: 30_000,
  })
  await broker.ensureTopics([
    { name: config.windowsTopic, partitions: 1, replicationFactor: 1 },
    { name: config.alertsTopic, partitions: 1, replicationFactor: 1 },
  ])
  const metrics = createMetrics()
  stages.clear()
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  const role = await startAggregate(config, broker, storage, createLogger('silent', 'bench'), metrics)
  const consumed = async () =>
    (await metrics.recordsConsumed.get()).values.reduce((sum, v) => sum + v.value, 0)
  while ((await consumed()) === 0) await sleep(20)
  const refreshPids = async () => {
    const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database.name])
    pgPids = rows.map((row) => Number(row.pid))
  }
  await refreshPids()
  const first = await consumed()
  const [n0, p0, w0] = [nodeCpuUs(), pgCpuUs(), performance.now()]
  const deadline = Date.now() + 600_000
  while ((await consumed()) < RECORDS && Date.now() < deadline) await sleep(50)
  const done = (await consumed()) - first
  const [nodeUs, pgUs, wallS] = [nodeCpuUs() - n0, pgCpuUs() - p0, (performance.now() - w0) / 1000]
  await role.close()
  await broker.close()
  await storage.close()
  await admin.end()
  await database.drop()
  return { rate: done / wallS, nodeUs: nodeUs / done, pgUs: pgUs / done, done }
}

const scratch = await scratchTopic(KAFKA, { prefix: 'aggbench', partitions: PARTITIONS })
const topic = scratch.name
await fill(topic)
const fetched = await fetchOnly(topic)
const d0 = nodeCpuUs()
for (const record of fetched.records) decodeRecord(record, 60_000)
const decodeUs = (nodeCpuUs() - d0) / fetched.records.length
console.log(
  `records ${RECORDS}, ${SENSORS} sensors, ${EVENT_RATE} readings/s of event time, ${PARTITIONS} partitions, load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
)
console.log(`kafka fetch (client only): ${fetched.us.toFixed(2)} µs/record node CPU`)
console.log(`JSON decode + validation: ${decodeUs.toFixed(2)} µs/record node CPU`)
for (let round = 0; round < ROUNDS; round++) {
  const result = await drain(topic, round)
  console.log(
    `round ${round + 1}: ${Math.round(result.rate)} records/s, node ${result.nodeUs.toFixed(1)} µs/record, postgres ${result.pgUs.toFixed(1)} µs/record (${result.done} records)`,
  )
  for (const [name, s] of stages)
    console.log(
      `  ${name.padEnd(46)} node ${(s.nodeUs / result.done).toFixed(2).padStart(6)}  pg ${(s.pgUs / result.done).toFixed(2).padStart(6)}  wall ${(s.wallUs / result.done).toFixed(2).padStart(6)} µs/record  (${s.calls} calls)`,
    )
}
await scratch.delete()
process.exit(0)
