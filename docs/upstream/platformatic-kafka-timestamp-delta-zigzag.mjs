// @platformatic/kafka 2.12.1: a record whose timestamp lies more than 2^31 ms (~24.9 days) from
// its batch's first timestamp is written with a wrong timestamp. No broker is needed: the batch
// is built and read back with the library's own functions.
//
//   node platformatic-kafka-timestamp-delta-zigzag.mjs
import { createRecordsBatch, Reader, readRecordsBatch } from '@platformatic/kafka'

const day = 86_400_000n
const first = 1_765_000_000_000n // 2025-12-06T05:46:40Z
const sent = [first, first + 24n * day, first + 25n * day, first - 25n * day]
const messages = sent.map((timestamp, i) => ({
  topic: 'readings',
  partition: 0,
  key: Buffer.from(`key-${i}`),
  value: Buffer.from('value'),
  timestamp,
}))
const batch = readRecordsBatch(Reader.from(createRecordsBatch(messages, {}).buffer))
let wrong = 0
for (const [i, record] of batch.records.entries()) {
  const read = batch.firstTimestamp + record.timestampDelta
  const offBy = read - sent[i]
  if (offBy !== 0n) wrong++
  const delta = sent[i] - first
  console.log(
    `delta ${String(delta).padStart(13)} ms: sent ${sent[i]}, read ${read}${offBy ? `, off by ${offBy} ms` : ''}`,
  )
}
console.log(
  wrong === 0 ? 'every timestamp read back as sent' : `${wrong} of ${sent.length} timestamps read back wrong`,
)
process.exitCode = wrong === 0 ? 0 : 1
