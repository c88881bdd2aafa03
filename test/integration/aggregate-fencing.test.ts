import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { type Kysely, sql } from 'kysely'
import type { IncomingRecord, RecordBatch } from '../../src/broker/broker.ts'
import { EmbeddedBroker } from '../../src/broker/embedded/embedded-broker.ts'
import { encodeMeasurement } from '../../src/domain/measurement.ts'
import { parseWindowSpec } from '../../src/domain/window-spec.ts'
import { AlertsRepository } from '../../src/roles/aggregate/alerts-repository.ts'
import { OutboxPublisher } from '../../src/roles/aggregate/outbox-publisher.ts'
import { WindowAggregator } from '../../src/roles/aggregate/window-aggregator.ts'
import { WindowsRepository } from '../../src/roles/aggregate/windows-repository.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { createMetrics, quietLogger } from '../helpers/pipeline.ts'
import { createTestDatabase } from '../helpers/services.ts'

const T0 = Date.UTC(2026, 0, 1)
const TOPIC = 'temperatures'

/** Records 0..count-1 of one partition, one reading a second for three sensors. */
function recordsOf(partition: number, from: number, count: number): IncomingRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const offset = from + index
    const sensorId = `p${partition}-s${offset % 3}`
    return {
      topic: TOPIC,
      partition,
      offset: BigInt(offset),
      key: sensorId,
      value: Buffer.from(
        encodeMeasurement({ sensorId, temperature: 20 + (offset % 7), timestampMs: T0 + offset * 1000 }),
      ),
      timestampMs: Date.now(),
    }
  })
}

/** A batch as the broker hands it out; committing to the broker is not what this test is about. */
const batchOf = (records: IncomingRecord[]): RecordBatch => ({ records, commit: async () => {} })

/** A group member's aggregator, as `flowline aggregate` builds it, over one storage. */
async function member(
  t: TestContext,
  storage: Storage,
  metrics = createMetrics(),
): Promise<WindowAggregator> {
  const directory = await mkdtemp(join(tmpdir(), 'flowline-fencing-'))
  const broker = await EmbeddedBroker.open({ directory })
  t.after(async () => {
    await broker.close()
    await rm(directory, { recursive: true, force: true, maxRetries: 10 })
  })
  await broker.ensureTopics([{ name: 'windows', partitions: 1, replicationFactor: 1 }])
  return new WindowAggregator({
    windows: new WindowsRepository(storage.db, 'fencing', TOPIC),
    alerts: new AlertsRepository(),
    outbox: new OutboxPublisher(storage.db, broker, createMetrics()),
    logger: quietLogger(),
    metrics,
    specs: [parseWindowSpec('1m')],
    allowedLatenessMs: 0,
    idleTimeoutMs: 60_000,
    futureToleranceMs: 300_000,
    windowsTopic: 'windows',
    alertsTopic: 'alerts',
    topic: TOPIC,
  })
}

async function handle(aggregator: WindowAggregator, records: IncomingRecord[]): Promise<void> {
  const batch = batchOf(records)
  await aggregator.handle(batch, aggregator.prepare(batch))
}

async function mergedCount(db: Kysely<unknown>): Promise<number> {
  const { rows } = await sql<{
    n: string
  }>`SELECT coalesce(sum(count), 0) AS n FROM measurement_windows`.execute(db)
  return Number(rows[0]?.n)
}

async function runFencing(t: TestContext, storage: Storage): Promise<void> {
  await storage.migrate()
  const db = storage.db as unknown as Kysely<unknown>
  const current = await member(t, storage)
  const staleMetrics = createMetrics()
  const stale = await member(t, storage, staleMetrics)
  // The current owner applies 0..199; a stale member (it held the partition before a rebalance)
  // then writes its old batch 100..199 and a batch 150..249 that straddles the checkpoint.
  await handle(current, recordsOf(0, 0, 200))
  await Promise.all([handle(stale, recordsOf(0, 100, 100)), handle(current, recordsOf(0, 200, 50))])
  await handle(stale, recordsOf(0, 150, 100))
  assert.equal(await mergedCount(db), 250, 'each offset merged once, whoever wrote it')
  // Fenced by the checkpoint, not merely saved by the (sensor_id, ts) dedup: nothing of theirs was merged.
  assert.equal((await staleMetrics.staleRecords.get()).values[0]?.value, 200)
  assert.equal((await staleMetrics.aggregatedRecords.get()).values[0]?.value ?? 0, 0)
  const { rows } = await sql<{
    next_offset: string
  }>`SELECT next_offset FROM stream_offsets WHERE group_id = 'fencing'`.execute(db)
  assert.equal(BigInt(rows[0]?.next_offset ?? -1), 250n)
  // The startAt answer after a restart is the checkpoint.
  assert.equal(await current.startAt(TOPIC, 0), 250n)
}

describe('aggregator: a stale member applies nothing twice', { timeout: 120_000 }, () => {
  it('on PostgreSQL', async (t) => {
    const database = await createTestDatabase()
    t.after(() => database.drop())
    const storage = new PostgresStorage({ connectionString: database.url })
    t.after(() => storage.close())
    await runFencing(t, storage)
  })

  it('on PGlite', async (t) => {
    const storage = new PGliteStorage({ dataDir: undefined })
    t.after(() => storage.close())
    await runFencing(t, storage)
  })
})
