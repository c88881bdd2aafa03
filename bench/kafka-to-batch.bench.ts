/**
 * What turning a fetch's messages into a record batch costs each consumer (the saver, the
 * aggregator, the stream consumers) per record, apart from the Kafka client's own decoding:
 * `toBatch` of `src/broker/kafka/kafka-subscription.ts` on batches of 5,000 messages from four
 * partitions, as a fetch hands them out. CPU time of this process, median of the timed rounds.
 *
 *   node bench/kafka-to-batch.bench.ts [rounds=12]
 *
 * Measured 2026-12-03 on the quiet machine: 36–54 ns a record, against 142–152 ns for the
 * version that wrote the partition map and spread an object for every record.
 */
import { type KafkaMessage, toBatch } from '../src/broker/kafka/kafka-subscription.ts'

const rounds = Number(process.argv[2] ?? 12)
const PER_BATCH = 5000
const PARTITIONS = 4
const value = Buffer.from('{"sensor_id":"s-1","temperature":21.5,"timestamp":"2026-12-03T10:00:00.000Z"}')
const batchOf = (): KafkaMessage[] =>
  Array.from(
    { length: PER_BATCH },
    (_, index) =>
      ({
        topic: 'temperatures',
        partition: Math.floor((index * PARTITIONS) / PER_BATCH),
        offset: BigInt(index),
        key: `s-${index % 1000}`,
        value,
        timestamp: BigInt(Date.now()),
        headers: new Map(),
        commit: () => {},
      }) as unknown as KafkaMessage,
  )
const batches = Array.from({ length: 40 }, batchOf)
const consumerOpen = new AbortController().signal
const samples: number[] = []
for (let round = 0; round < rounds + 2; round++) {
  const before = process.cpuUsage()
  for (const batch of batches) toBatch(batch, consumerOpen)
  const used = process.cpuUsage(before)
  // The first two rounds warm the JIT up.
  if (round >= 2) samples.push(((used.user + used.system) * 1000) / (batches.length * PER_BATCH))
}
samples.sort((a, b) => a - b)
const median = samples[Math.floor(samples.length / 2)] ?? Number.NaN
console.log(
  `toBatch: ${median.toFixed(0)} ns a record (median of ${rounds} rounds, ${samples[0]?.toFixed(0)}–${samples.at(-1)?.toFixed(0)})`,
)
