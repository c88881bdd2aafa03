import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startSaver } from '../../src/roles/saver/saver-role.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { createMetrics, kafkaWithTopic, quietLogger, readRecords, testConfig } from '../helpers/pipeline.ts'
import { createTestDatabase, uniqueName } from '../helpers/services.ts'

const value = (sensor: string, second: number, temperature = 20) =>
  JSON.stringify({
    sensor_id: sensor,
    temperature,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
  })

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(100)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

describe('saver against real Kafka and PostgreSQL', () => {
  it('stores good messages exactly once, routes poison messages to errors, and keeps going', async (t) => {
    const { broker, topic } = await kafkaWithTopic(t, 2)
    const errorsTopic = uniqueName('errors')
    await broker.ensureTopics([{ name: errorsTopic, partitions: 1, replicationFactor: 1 }])
    const { url, drop } = await createTestDatabase()
    t.after(drop)
    const storage = new PostgresStorage({ connectionString: url })
    t.after(() => storage.close())
    await storage.migrate()
    const config = testConfig({ topic, errorsTopic, group: uniqueName('saver'), saverPort: 0, batchWait: 20 })

    await broker.publish([
      { topic, key: 'a', value: value('a', 1) },
      { topic, key: 'a', value: '{"sensor_id": "a", "temperature": ' },
      { topic, key: 'b', value: value('b', 1, 4000) },
      { topic, key: 'a', value: value('a', 2) },
      // A redelivery or a client retry: same (sensor_id, ts), stored once.
      { topic, key: 'a', value: value('a', 2) },
      { topic, key: 'b', value: value('b', 3) },
    ])
    const saver = await startSaver(config, broker, storage, quietLogger(), createMetrics())
    t.after(() => saver.close())
    const repository = new MeasurementsRepository(storage.db)
    await until(async () => (await repository.count()) === 3, 30_000, '3 rows')

    const deadLetters = await readRecords(broker, errorsTopic, 2)
    const entries = deadLetters.map((record) => JSON.parse(record.value.toString()))
    const json = entries.find((entry) => entry.payload.startsWith('{"sensor_id": "a"'))
    assert.ok(json, 'the unparsable message is in errors')
    assert.match(json.reason, /not valid JSON/)
    assert.equal(json.source_topic, topic)
    assert.equal(typeof json.partition, 'number')
    assert.match(json.offset, /^\d+$/)
    const range = entries.find((entry) => entry.field === 'temperature')
    assert.ok(range, 'the out-of-range message is in errors')
    assert.match(range.reason, /temperature must be <= 1000/)
    assert.equal(range.payload, value('b', 1, 4000))

    // Good messages after the poison ones are still saved.
    await broker.publish([{ topic, key: 'c', value: value('c', 9) }])
    await until(async () => (await repository.count()) === 4, 30_000, '4 rows')
    const sensors = await repository.sensors()
    assert.deepEqual(
      sensors.map((s) => [s.sensor_id, s.count]),
      [
        ['a', 2],
        ['b', 1],
        ['c', 1],
      ],
    )
  })

  it('pauses while PostgreSQL is unreachable and stores everything once it is back, sending nothing to errors', async (t) => {
    const { broker, topic } = await kafkaWithTopic(t, 1)
    const errorsTopic = uniqueName('errors')
    await broker.ensureTopics([{ name: errorsTopic, partitions: 1, replicationFactor: 1 }])
    const { url, drop } = await createTestDatabase()
    t.after(drop)
    // The saver first talks to a port where no database listens, as if PostgreSQL were down.
    const down = new PostgresStorage({ connectionString: url.replace(/:\d+\//, ':1/') })
    t.after(() => down.close())
    const config = testConfig({ topic, errorsTopic, group: uniqueName('saver'), saverPort: 0, batchWait: 20 })
    const metrics = createMetrics()
    await broker.publish([1, 2, 3].map((s) => ({ topic, key: 'p', value: value('p', s) })))
    const saver = await startSaver(config, broker, down, quietLogger(), metrics)
    await until(
      async () => ((await metrics.batchRetries.get()).values[0]?.value ?? 0) >= 2,
      30_000,
      'two retries',
    )
    await saver.close()
    assert.equal((await metrics.deadLettered.get()).values.length, 0, 'nothing was dead-lettered')

    const up = new PostgresStorage({ connectionString: url })
    t.after(() => up.close())
    await up.migrate()
    const resumed = await startSaver(config, broker, up, quietLogger(), createMetrics())
    t.after(() => resumed.close())
    const repository = new MeasurementsRepository(up.db)
    await until(async () => (await repository.count()) === 3, 30_000, '3 rows after recovery')
  })
})
