import { Admin, ConfigResourceTypes, Producer, stringSerializers } from '@platformatic/kafka'
import { type KafkaBrokerOptions, kafkaClientOptions } from '../broker/kafka/kafka-broker.ts'
import { explainKafkaError } from '../broker/kafka/kafka-errors.ts'
import { type CheckResult, fail, ok, reason, skewCheck, warn } from './check.ts'

export interface KafkaCheckOptions {
  readonly client: KafkaBrokerOptions
  readonly topics: readonly {
    readonly name: string
    readonly partitions: number
    readonly replicationFactor: number
  }[]
  readonly groupId: string
  /** A topic of its own where the doctor writes one record to read the broker's clock. */
  readonly probeTopic: string
}

/**
 * Connectivity, the topics' partitions, replication factor and min.insync.replicas, the saver's
 * consumer group and the broker's clock.
 */
export async function checkKafka(options: KafkaCheckOptions, nowMs = Date.now): Promise<CheckResult[]> {
  const admin = new Admin({ ...kafkaClientOptions(options.client), retries: 0 })
  try {
    let brokers: number
    let topics: Map<string, { partitionsCount: number; partitions: { replicas: number[]; isr: number[] }[] }>
    try {
      const metadata = await admin.metadata({
        topics: options.topics.map((topic) => topic.name),
        forceUpdate: true,
      })
      brokers = metadata.brokers.size
      topics = metadata.topics
    } catch (error) {
      // An unknown topic fails the whole metadata request: ask again for the cluster alone.
      try {
        const metadata = await admin.metadata({ topics: [], forceUpdate: true })
        brokers = metadata.brokers.size
        topics = new Map()
      } catch {
        const sasl = options.client.sasl
        const explained = explainKafkaError(error, { mechanism: sasl?.mechanism, username: sasl?.username })
        return [
          fail('kafka', `unreachable at ${options.client.bootstrapBrokers.join(',')}: ${reason(explained)}`),
        ]
      }
    }
    const results = [ok('kafka', `reachable, ${brokers} broker${brokers === 1 ? '' : 's'}`)]
    results.push(...(await checkTopics(admin, options, topics, brokers)))
    results.push(await checkGroup(admin, options))
    results.push(await checkBrokerClock(admin, options, nowMs))
    return results
  } finally {
    await admin.close()
  }
}

async function checkTopics(
  admin: Admin,
  options: KafkaCheckOptions,
  topics: Map<string, { partitionsCount: number; partitions: { replicas: number[]; isr: number[] }[] }>,
  brokers: number,
): Promise<CheckResult[]> {
  const present = options.topics.filter((topic) => topics.has(topic.name))
  const minInsync = new Map<string, number>()
  if (present.length > 0) {
    const described = await admin.describeConfigs({
      resources: present.map((topic) => ({
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: topic.name,
        configurationKeys: ['min.insync.replicas'],
      })),
    })
    for (const resource of described) {
      const value = resource.configs.find((entry) => entry.name === 'min.insync.replicas')?.value
      minInsync.set(resource.resourceName, Number(value ?? 1))
    }
  }
  return options.topics.map((wanted) => {
    const name = `topic ${wanted.name}`
    const topic = topics.get(wanted.name)
    if (!topic) return warn(name, 'missing; ingest and the saver create it at start')
    const rf = Math.min(...topic.partitions.map((partition) => partition.replicas.length))
    const underReplicated = topic.partitions.filter(
      (partition) => partition.isr.length < partition.replicas.length,
    ).length
    const insync = minInsync.get(wanted.name) ?? 1
    const detail = `${topic.partitionsCount} partitions, RF ${rf}, min.insync.replicas ${insync}, ${underReplicated} under-replicated`
    if (insync > rf) return fail(name, `${detail}: min.insync.replicas above RF refuses every acks=all write`)
    if (underReplicated > 0) return warn(name, detail)
    if (rf < wanted.replicationFactor)
      return warn(name, `${detail}: RF below the configured ${wanted.replicationFactor}`)
    if (rf > 1 && insync < 2)
      return warn(name, `${detail}: an acknowledged write may live on one broker only`)
    if (rf === 1 && brokers > 1) return warn(name, `${detail}: one broker's loss loses data`)
    if (topic.partitionsCount < wanted.partitions)
      return warn(name, `${detail}: fewer than the configured ${wanted.partitions}`)
    return ok(name, detail)
  })
}

async function checkGroup(admin: Admin, options: KafkaCheckOptions): Promise<CheckResult> {
  const name = `group ${options.groupId}`
  try {
    const group = (await admin.describeGroups({ groups: [options.groupId] })).get(options.groupId)
    const [committed] = await admin.listConsumerGroupOffsets({ groups: [options.groupId] })
    const measurements = options.topics[0]?.name ?? ''
    const partitions = committed?.topics.find((topic) => topic.name === measurements)?.partitions ?? []
    let lag = 0
    if (partitions.length > 0) {
      const [ends] = await admin.listOffsets({
        topics: [
          {
            name: measurements,
            partitions: partitions.map((p) => ({ partitionIndex: p.partitionIndex, timestamp: -1n })),
          },
        ],
      })
      for (const end of ends?.partitions ?? []) {
        const done = partitions.find((p) => p.partitionIndex === end.partitionIndex)?.committedOffset ?? 0n
        if (done >= 0n) lag += Number(end.offset - done)
      }
    }
    const state = String(group?.state ?? 'Unknown')
    const idle = /^(dead|empty)$/i.test(state)
    const detail = `${state}, ${group?.members.size ?? 0} members, lag ${lag} on ${measurements}`
    if (idle && lag > 0) return warn(name, `${detail}: no saver is consuming`)
    return ok(name, detail)
  } catch (error) {
    return warn(name, `cannot describe: ${reason(error)}`)
  }
}

/**
 * Kafka has no request that returns its clock, so the doctor writes one record to a one-partition
 * topic whose timestamps the broker sets (LogAppendTime) and reads that timestamp back.
 */
async function checkBrokerClock(
  admin: Admin,
  options: KafkaCheckOptions,
  nowMs: () => number,
): Promise<CheckResult> {
  const name = 'kafka clock'
  const producer = new Producer({ ...kafkaClientOptions(options.client), serializers: stringSerializers })
  try {
    if (!(await admin.listTopics()).includes(options.probeTopic)) {
      await admin.createTopics({
        topics: [options.probeTopic],
        partitions: 1,
        replicas: 1,
        configs: [
          { name: 'message.timestamp.type', value: 'LogAppendTime' },
          { name: 'retention.ms', value: '3600000' },
        ],
      })
    }
    const sentMs = nowMs()
    await producer.send({ messages: [{ topic: options.probeTopic, key: 'doctor', value: String(sentMs) }] })
    const receivedMs = nowMs()
    // -3 asks for the record with the largest timestamp (KIP-734): the one just appended.
    const [listed] = await admin.listOffsets({
      topics: [{ name: options.probeTopic, partitions: [{ partitionIndex: 0, timestamp: -3n }] }],
    })
    const brokerMs = Number(listed?.partitions[0]?.timestamp ?? -1n)
    if (brokerMs <= 0) return warn(name, 'the broker returned no timestamp')
    return skewCheck(name, brokerMs, sentMs, receivedMs)
  } catch (error) {
    return warn(name, `not measured: ${reason(error)}`)
  } finally {
    await producer.close()
  }
}
