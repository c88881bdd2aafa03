import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import {
  allocateLayout,
  kafkaBootstrap,
  portOpen,
  query,
  Services,
  scratchDatabase,
  scratchTopic,
  tempStateDir,
  uniqueName,
  withKafkaAdmin,
} from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { readRecords } from '../helpers/pipeline.ts'

/**
 * The harness's service handles on a private layout (free ports, a temporary state dir): the
 * shared services on 9092/5433 are never touched.
 */
describe('harness services on a private layout', () => {
  const stateDir = tempStateDir('flowline-harness-test-')
  let services: Services

  before(async () => {
    services = new Services(await allocateLayout(stateDir))
    await services.up()
  })
  after(async () => {
    await services?.down()
    rmSync(stateDir, { recursive: true, force: true, maxRetries: 10 })
  })

  it('up is idempotent: a second up starts nothing and keeps the same processes', async () => {
    const [kafka, postgres] = [services.kafka.pid(), services.postgres.pid()]
    assert.ok(kafka && postgres)
    await services.up()
    assert.equal(services.kafka.pid(), kafka)
    assert.equal(services.postgres.pid(), postgres)
  })

  it('gives a scratch database that is dropped with its scope', async () => {
    const cleanups: (() => unknown)[] = []
    const database = await scratchDatabase(services.postgres.url(), {
      scope: { after: (fn) => cleanups.push(fn) },
    })
    await query(database.url, 'CREATE TABLE t (x int)')
    const listed = async () =>
      (await query(services.postgres.url(), 'SELECT 1 FROM pg_database WHERE datname = $1', [database.name]))
        .length
    assert.equal(await listed(), 1)
    for (const cleanup of cleanups) await cleanup()
    assert.equal(await listed(), 0)
  })

  it('gives a scratch topic that is deleted with its scope', async () => {
    const brokers = [kafkaBootstrap(services.layout)]
    const topic = await scratchTopic(brokers, { partitions: 2 })
    const exists = async () =>
      withKafkaAdmin(brokers, async (admin) => (await admin.listTopics()).includes(topic.name))
    assert.equal(await exists(), true)
    await topic.delete()
    assert.equal(await exists(), false)
  })

  it('pause stops PostgreSQL answering without closing its port; resume brings it back', async (t) => {
    const database = await scratchDatabase(services.postgres.url(), { scope: t })
    services.postgres.pause()
    try {
      await assert.rejects(query(database.url, 'SELECT 1', [], 1000))
      assert.equal(await portOpen(services.layout.pgPort), true, 'the kernel still accepts connections')
    } finally {
      services.postgres.resume()
    }
    assert.deepEqual(await query(database.url, 'SELECT 1 AS one'), [{ one: 1 }])
  })

  it('kill (SIGKILL) takes the broker down; start brings it back with its data', async (t) => {
    const brokers = [kafkaBootstrap(services.layout)]
    const topic = await scratchTopic(brokers, { partitions: 1, scope: t })
    const client = new KafkaBroker({
      bootstrapBrokers: brokers,
      clientId: uniqueName('harness'),
      requestTimeoutMs: 5000,
    })
    await client.publish([{ topic: topic.name, key: 'k', value: 'before the kill' }])
    await client.close()
    const pid = services.kafka.pid()
    await services.kafka.kill()
    assert.equal(services.kafka.running, false)
    assert.equal(await portOpen(services.layout.kafkaPort), false)
    await services.kafka.start()
    assert.notEqual(services.kafka.pid(), pid)
    const reader = new KafkaBroker({
      bootstrapBrokers: brokers,
      clientId: uniqueName('harness'),
      requestTimeoutMs: 5000,
    })
    t.after(() => reader.close())
    const [record] = await readRecords(reader, topic.name, 1)
    assert.equal(record?.value.toString(), 'before the kill')
  })

  it('down stops everything of its layout and nothing else', async () => {
    const otherDir = tempStateDir('flowline-harness-other-')
    const other = new Services(await allocateLayout(otherDir))
    try {
      await other.down() // nothing of its own runs: a no-op
      assert.equal(services.kafka.running, true)
      assert.equal(services.postgres.running, true)
    } finally {
      rmSync(otherDir, { recursive: true, force: true, maxRetries: 10 })
    }
  })
})
