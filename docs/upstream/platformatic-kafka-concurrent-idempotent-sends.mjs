// Minimal reproduction: concurrent send() calls on an idempotent @platformatic/kafka producer
// sometimes write a batch twice. Run against any Kafka broker (tested: Apache Kafka 4.3.1, KRaft,
// one broker):
//
//   npm install @platformatic/kafka@2.12.1
//   node platformatic-kafka-concurrent-idempotent-sends.mjs [bootstrap=127.0.0.1:9092] [runs=50] [concurrency=8]
//
// One idempotent producer (acks=all) is shared by every run, as in an application. Each run
// creates a fresh topic of 3 partitions and, right away, fires `concurrency` send() calls at once,
// each of 60 distinct messages over 6 keys, without awaiting in between.
// Every send resolves without error. The idempotent producer must store each message exactly once,
// so the sum of the partitions' end offsets must equal the messages sent (no transactions, so no
// control records take offsets). Exit code 1 when any run stored more.
import { Admin, ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka'

const [bootstrap = '127.0.0.1:9092', runsArg = '50', concurrencyArg = '8'] = process.argv.slice(2)
const runs = Number(runsArg)
const concurrency = Number(concurrencyArg)
const perSend = 60
const partitions = 3
const stamp = `${process.pid}-${Date.now()}`

const admin = new Admin({ clientId: `repro-admin-${stamp}`, bootstrapBrokers: [bootstrap] })
const producer = new Producer({
  clientId: `repro-producer-${stamp}`,
  bootstrapBrokers: [bootstrap],
  idempotent: true,
  acks: ProduceAcks.ALL,
  serializers: stringSerializers,
})
let failedRuns = 0
for (let run = 0; run < runs; run++) {
  const topic = `repro-idempotent-${stamp}-${run}`
  await admin.createTopics({ topics: [topic], partitions, replicas: 1 })
  const sends = []
  for (let send = 0; send < concurrency; send++) {
    const messages = []
    for (let i = 0; i < perSend; i++)
      messages.push({ topic, key: `key-${i % 6}`, value: `send ${send} message ${i}` })
    sends.push(producer.send({ messages }))
  }
  await Promise.all(sends)

  const [listed] = await admin.listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: partitions }, (_, p) => ({ partitionIndex: p, timestamp: -1n })),
      },
    ],
  })
  const stored = listed.partitions.reduce((sum, partition) => sum + Number(partition.offset), 0)
  const sent = concurrency * perSend
  const verdict = stored === sent ? 'ok' : `DUPLICATES: ${stored - sent} extra records`
  if (stored !== sent) failedRuns++
  console.log(`run ${run + 1}/${runs}: sent ${sent}, stored ${stored} (${verdict})`)
  await admin.deleteTopics({ topics: [topic] })
}
await producer.close()
await admin.close()
console.log(`${failedRuns} of ${runs} runs stored a batch twice`)
process.exitCode = failedRuns > 0 ? 1 : 0
