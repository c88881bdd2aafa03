import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { Admin } from '@platformatic/kafka'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { readRecords } from '../helpers/pipeline.ts'
import { uniqueName } from '../helpers/services.ts'

const run = promisify(execFile)
const SERVICES = new URL('../../scripts/services.sh', import.meta.url).pathname
const CLUSTER = ['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094']

describe('3-broker KRaft cluster (scripts/services.sh cluster-up)', () => {
  it('starts, holds a topic with replication factor 3 in sync on every broker, and serves it', async (t) => {
    const { stdout: before } = await run('bash', [SERVICES, 'status'], { timeout: 30_000 }).catch(
      (error) => error,
    )
    const wasRunning = /kafka-c1 .*pid/.test(String(before))
    await run('bash', [SERVICES, 'cluster-up'], { timeout: 180_000 })
    if (!wasRunning) t.after(() => run('bash', [SERVICES, 'cluster-down'], { timeout: 120_000 }))

    const broker = new KafkaBroker({
      bootstrapBrokers: CLUSTER,
      clientId: uniqueName('cluster'),
      requestTimeoutMs: 5000,
    })
    t.after(() => broker.close())
    const topic = uniqueName('replicated')
    await broker.ensureTopics([{ name: topic, partitions: 3, replicationFactor: 3 }])

    const admin = new Admin({ clientId: uniqueName('cluster-admin'), bootstrapBrokers: CLUSTER })
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
    const [record] = await readRecords(broker, topic, 1)
    assert.equal(record?.value.toString(), 'replicated with acks=all')
  })
})
