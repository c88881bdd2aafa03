import type { TestContext } from 'node:test'
import { drainTopic } from '../../harness/index.ts'
import type { Broker, IncomingRecord } from '../../src/broker/broker.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { requireKafka, uniqueName } from './services.ts'

type Cleanup = { after: TestContext['after'] }

export { quietLogger, testConfig } from '../../harness/in-process.ts'
export { createMetrics }

/** A Kafka broker client and a fresh topic for one test; the client is closed afterwards. */
export async function kafkaWithTopic(t: Cleanup, partitions = 4): Promise<{ broker: Broker; topic: string }> {
  const brokers = await requireKafka()
  const broker = new KafkaBroker({
    bootstrapBrokers: brokers,
    clientId: uniqueName('test'),
    requestTimeoutMs: 5000,
  })
  const topic = uniqueName('temperatures')
  await broker.ensureTopics([{ name: topic, partitions, replicationFactor: 1 }])
  t.after(() => broker.close())
  return { broker, topic }
}

/** Reads `count` records from the start of a topic with a throw-away group, failing after `timeoutMs`. */
export async function readRecords(
  broker: Broker,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<IncomingRecord[]> {
  const records = await drainTopic(broker, topic, count, timeoutMs, 0)
  if (records.length < count)
    throw new Error(`read ${records.length} of ${count} records from ${topic} in ${timeoutMs} ms`)
  return records
}
