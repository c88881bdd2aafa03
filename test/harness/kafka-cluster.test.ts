import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { describe, it } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { allocateLayout, KafkaCluster, tempStateDir, uniqueName } from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { readRecords } from '../helpers/pipeline.ts'

/** The harness's 3-broker KRaft cluster, on free ports and its own state dir. */
describe('3-broker KRaft cluster (harness KafkaCluster)', () => {
  it('starts, holds a topic with replication factor 3 in sync on every broker, serves it with a broker down', async (t) => {
    const stateDir = tempStateDir('flowline-cluster-test-')
    const cluster = new KafkaCluster(await allocateLayout(stateDir))
    t.after(async () => {
      await cluster.stop()
      rmSync(stateDir, { recursive: true, force: true, maxRetries: 10 })
    })
    await cluster.start()
    assert.equal(cluster.running, true)

    const broker = new KafkaBroker({
      bootstrapBrokers: cluster.brokers,
      clientId: uniqueName('cluster'),
      requestTimeoutMs: 5000,
    })
    t.after(() => broker.close())
    const topic = uniqueName('replicated')
    await broker.ensureTopics([{ name: topic, partitions: 3, replicationFactor: 3 }])

    const admin = new Admin({ clientId: uniqueName('cluster-admin'), bootstrapBrokers: cluster.brokers })
    t.after(() => admin.close())
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
    assert.equal(metadata.brokers.size, 3)
    const partitions = metadata.topics.get(topic)?.partitions ?? []
    assert.equal(partitions.length, 3)
    for (const partition of partitions) {
      assert.deepEqual([...partition.replicas].sort(), [1, 2, 3])
      assert.deepEqual([...partition.isr].sort(), [1, 2, 3])
    }

    await broker.publish([{ topic, key: 'k', value: 'replicated with acks=all' }])
    await cluster.broker(3).kill()
    assert.equal(cluster.broker(3).running, false)
    const [record] = await readRecords(broker, topic, 1)
    assert.equal(record?.value.toString(), 'replicated with acks=all')
  })
})
